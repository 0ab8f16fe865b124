/* The common-password set: an open-addressing hash table over one text buffer. */
#include "passwords/common_passwords.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct entry {
    const char *text; /* lower-cased, inside the set's buffer; NULL for an empty slot */
    size_t length;
} entry_t;

struct lk_common_passwords {
    char *buffer;     /* the list text, lower-cased in place */
    entry_t *entries; /* capacity is a power of two, at least twice the line count */
    size_t capacity;
    size_t count;
};

static unsigned char to_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

/* FNV-1a over the lower-cased bytes, so that lookups need no lower-cased copy. */
static uint64_t hash_lowered(const char *text, size_t length)
{
    uint64_t hash = 14695981039346656037ULL;
    for (size_t i = 0; i < length; i++) {
        hash ^= to_lower((unsigned char)text[i]);
        hash *= 1099511628211ULL;
    }
    return hash;
}

static bool equals_lowered(const entry_t *entry, const char *text, size_t length)
{
    if (entry->length != length)
        return false;
    for (size_t i = 0; i < length; i++) {
        if ((unsigned char)entry->text[i] != to_lower((unsigned char)text[i]))
            return false;
    }
    return true;
}

/* Returns the slot holding `text`, or the empty slot where it belongs. */
static entry_t *find_slot(const lk_common_passwords_t *set, const char *text, size_t length)
{
    size_t mask = set->capacity - 1;
    for (size_t index = hash_lowered(text, length) & mask;; index = (index + 1) & mask) {
        entry_t *entry = &set->entries[index];
        if (entry->text == NULL || equals_lowered(entry, text, length))
            return entry;
    }
}

static size_t count_lines(const char *text, size_t length)
{
    size_t lines = 1;
    for (size_t i = 0; i < length; i++)
        lines += text[i] == '\n';
    return lines;
}

/* Adds one line of the list; skips comments and empty lines. */
static void add_line(lk_common_passwords_t *set, char *line, size_t length)
{
    if (length > 0 && line[length - 1] == '\r')
        length--;
    if (length == 0 || (length >= 2 && line[0] == '#' && line[1] == '!'))
        return;

    for (size_t i = 0; i < length; i++)
        line[i] = (char)to_lower((unsigned char)line[i]);
    entry_t *slot = find_slot(set, line, length);
    if (slot->text == NULL) {
        *slot = (entry_t){.text = line, .length = length};
        set->count++;
    }
}

/* Takes ownership of `buffer` (of `length` bytes) and indexes its lines. */
static lk_common_passwords_t *build(char *buffer, size_t length)
{
    lk_common_passwords_t *set = calloc(1, sizeof(*set));
    size_t capacity = 16;
    while (capacity < 2 * count_lines(buffer, length))
        capacity *= 2;
    if (set != NULL)
        set->entries = calloc(capacity, sizeof(entry_t));
    if (set == NULL || set->entries == NULL) {
        free(set);
        free(buffer);
        return NULL;
    }
    set->buffer = buffer;
    set->capacity = capacity;

    for (size_t start = 0; start < length;) {
        char *newline = memchr(buffer + start, '\n', length - start);
        size_t end = newline != NULL ? (size_t)(newline - buffer) : length;
        add_line(set, buffer + start, end - start);
        start = end + 1;
    }
    return set;
}

lk_common_passwords_t *lk_common_passwords_from_text(const char *text, size_t length)
{
    char *buffer = malloc(length + 1);
    if (buffer == NULL)
        return NULL;
    memcpy(buffer, text, length);
    buffer[length] = '\0';
    return build(buffer, length);
}

/* Reads the whole file into a new buffer. Returns it, or NULL with `error`. */
static char *read_file(const char *path, size_t *length, char *error, size_t error_size)
{
    FILE *file = fopen(path, "rb");
    struct stat status;
    if (file == NULL || fstat(fileno(file), &status) != 0 || !S_ISREG(status.st_mode)) {
        snprintf(error, error_size, "cannot read \"%s\": %s", path,
                 file == NULL ? strerror(errno) : "not a regular file");
        if (file != NULL)
            fclose(file);
        return NULL;
    }
    if (status.st_size > LK_COMMON_PASSWORDS_MAX_FILE_BYTES) {
        snprintf(error, error_size, "cannot read \"%s\": larger than 64 MiB, so not a password "
                 "list", path);
        fclose(file);
        return NULL;
    }

    size_t size = (size_t)status.st_size;
    char *buffer = malloc(size + 1);
    size_t read = buffer != NULL ? fread(buffer, 1, size, file) : 0;
    bool failed = buffer == NULL || read != size || ferror(file);
    fclose(file);
    if (failed) {
        snprintf(error, error_size, "cannot read \"%s\": %s", path,
                 buffer == NULL ? "out of memory" : "read error");
        free(buffer);
        return NULL;
    }
    buffer[size] = '\0';
    *length = size;
    return buffer;
}

lk_common_passwords_t *lk_common_passwords_load(const char *path, char *error,
                                                size_t error_size)
{
    size_t length = 0;
    char *buffer = read_file(path, &length, error, error_size);
    if (buffer == NULL)
        return NULL;

    lk_common_passwords_t *set = build(buffer, length);
    if (set == NULL)
        snprintf(error, error_size, "cannot load \"%s\": out of memory", path);
    return set;
}

void lk_common_passwords_destroy(lk_common_passwords_t *set)
{
    if (set == NULL)
        return;
    free(set->entries);
    free(set->buffer);
    free(set);
}

bool lk_common_passwords_contains(const lk_common_passwords_t *set, const char *password,
                                  size_t length)
{
    return find_slot(set, password, length)->text != NULL;
}

size_t lk_common_passwords_count(const lk_common_passwords_t *set)
{
    return set->count;
}
