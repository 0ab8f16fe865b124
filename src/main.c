/* Placeholder entry point; the command dispatcher replaces it. */
int main(void)
{
    return 2;
}
