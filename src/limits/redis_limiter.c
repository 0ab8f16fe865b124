/* The Redis limiter and its Lua script; see redis_limiter.h. */
#include "limits/redis_limiter.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

/*
 * The script computes the formulas of limit_algorithms.c in microseconds of Redis's clock.
 * KEYS[i] contains the state of rule i; KEYS[n + 1], when given, exists while the client's
 * address is known for the subject. ARGV[1] is the rule count n, and rule i has five
 * arguments from ARGV[2 + 5 * (i - 1)]: the algorithm (gcra or backoff), the count, the
 * period in ms, the back-off maximum in ms, and 1 when a known address skips the rule.
 * Nothing is written unless every rule admits the request. The reply is {admitted,
 * retry_after_ms} followed by {applied, rejected, remaining, reset_ms} for each rule.
 * Redis before 7 needs replicate_commands to write after TIME; Redis 7 always allows it.
 */
static const char limiter_script[] =
    "if redis.replicate_commands then redis.replicate_commands() end\n"
    "local clock = redis.call('TIME')\n"
    "local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])\n"
    "local rule_count = tonumber(ARGV[1])\n"
    "local known = #KEYS > rule_count and redis.call('EXISTS', KEYS[rule_count + 1]) == 1\n"
    "local function to_ms(us) return math.ceil(us / 1000) end\n"
    "\n"
    "local function gcra(key, count, period)\n"
    "  local interval = math.max(math.floor(period / count), 1)\n"
    "  local window = interval * count\n"
    "  local tat = tonumber(redis.call('GET', key) or '0')\n"
    "  if tat < now then tat = now end\n"
    "  local next_tat = tat + interval\n"
    "  if now < next_tat - window then\n"
    "    return {rejected = true, remaining = 0, reset = next_tat - window - now}\n"
    "  end\n"
    "  local ahead = next_tat - now\n"
    "  local remaining = math.floor((window - ahead) / interval)\n"
    "  return {remaining = remaining,\n"
    "          reset = ahead - (window - (remaining + 1) * interval),\n"
    "          write = {'SET', key, string.format('%.0f', next_tat)}, expire = to_ms(ahead)}\n"
    "end\n"
    "\n"
    "local function backoff(key, count, period, maximum)\n"
    "  local state = redis.call('HMGET', key, 'attempts', 'until')\n"
    "  local attempts = tonumber(state[1] or '0')\n"
    "  local blocked_until = tonumber(state[2] or '0')\n"
    "  if attempts >= count and now < blocked_until then\n"
    "    return {rejected = true, remaining = 0, reset = blocked_until - now}\n"
    "  end\n"
    "  attempts = attempts + 1\n"
    "  local step = {remaining = math.max(count - attempts, 0)}\n"
    "  if attempts < count then\n"
    "    local ttl = redis.call('PTTL', key)\n"
    "    if attempts == 1 or ttl < 0 then ttl = to_ms(period) end\n"
    "    step.reset = ttl * 1000\n"
    "    step.write = {'HSET', key, 'attempts', attempts, 'until', '0'}\n"
    "    step.expire = ttl\n"
    "  else\n"
    "    local wait = math.min(period * 2 ^ math.min(attempts - count, 20), maximum)\n"
    "    step.reset = wait\n"
    "    step.write = {'HSET', key, 'attempts', attempts, 'until',\n"
    "                  string.format('%.0f', now + wait)}\n"
    "    step.expire = to_ms(wait + period)\n"
    "  end\n"
    "  return step\n"
    "end\n"
    "\n"
    "local steps = {}\n"
    "local rejected = false\n"
    "local retry_after = 0\n"
    "for i = 1, rule_count do\n"
    "  local base = 2 + (i - 1) * 5\n"
    "  local count = tonumber(ARGV[base + 1])\n"
    "  local period = tonumber(ARGV[base + 2]) * 1000\n"
    "  local step = {applied = false, remaining = 0, reset = 0}\n"
    "  if not (ARGV[base + 4] == '1' and known) then\n"
    "    if ARGV[base] == 'backoff' then\n"
    "      step = backoff(KEYS[i], count, period, tonumber(ARGV[base + 3]) * 1000)\n"
    "    else\n"
    "      step = gcra(KEYS[i], count, period)\n"
    "    end\n"
    "    step.applied = true\n"
    "    if step.rejected then\n"
    "      rejected = true\n"
    "      retry_after = math.max(retry_after, step.reset)\n"
    "    end\n"
    "  end\n"
    "  steps[i] = step\n"
    "end\n"
    "\n"
    "local reply = {rejected and 0 or 1, to_ms(retry_after)}\n"
    "for i = 1, rule_count do\n"
    "  local step = steps[i]\n"
    "  local remaining = step.remaining\n"
    "  if rejected and step.applied and not step.rejected then\n"
    "    remaining = remaining + 1\n"
    "  elseif not rejected and step.write then\n"
    "    redis.call(unpack(step.write))\n"
    "    redis.call('PEXPIRE', KEYS[i], step.expire)\n"
    "  end\n"
    "  table.insert(reply, step.applied and 1 or 0)\n"
    "  table.insert(reply, step.rejected and 1 or 0)\n"
    "  table.insert(reply, remaining)\n"
    "  table.insert(reply, to_ms(step.reset))\n"
    "end\n"
    "return reply\n";

#define ARGUMENTS_PER_RULE 5
#define MAX_ARGUMENTS (4 + 2 * LK_LIMIT_MAX_RULES + 1 + ARGUMENTS_PER_RULE * LK_LIMIT_MAX_RULES)

int lk_redis_limiter_script_sha(char sha[LK_REDIS_SCRIPT_SHA_SIZE])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;

    if (EVP_Digest(limiter_script, strlen(limiter_script), digest, &length, EVP_sha1(), NULL) != 1 ||
        length != 20)
        return -1;
    for (unsigned int i = 0; i < length; i++)
        snprintf(sha + 2 * i, 3, "%02x", digest[i]);
    return 0;
}

/* The argument list of one EVALSHA call, with storage for the numbers it formats. */
typedef struct script_call {
    const char *argv[MAX_ARGUMENTS];
    size_t lengths[MAX_ARGUMENTS];
    int count;
    char numbers[MAX_ARGUMENTS][24];
} script_call_t;

static void add_argument(script_call_t *call, const char *text)
{
    call->argv[call->count] = text;
    call->lengths[call->count] = strlen(text);
    call->count++;
}

static void add_number(script_call_t *call, int64_t number)
{
    snprintf(call->numbers[call->count], sizeof(call->numbers[0]), "%" PRId64, number);
    add_argument(call, call->numbers[call->count]);
}

static void build_call(script_call_t *call, const char *sha, const lk_limit_plan_t *plan)
{
    call->count = 0;
    add_argument(call, "EVALSHA");
    add_argument(call, sha);
    add_number(call, (int64_t)plan->rule_count + (plan->has_known_key ? 1 : 0));
    for (size_t i = 0; i < plan->rule_count; i++)
        add_argument(call, plan->keys[i].redis);
    if (plan->has_known_key)
        add_argument(call, plan->known_key.redis);

    add_number(call, (int64_t)plan->rule_count);
    for (size_t i = 0; i < plan->rule_count; i++) {
        const lk_limit_rule_t *rule = plan->rules[i];
        add_argument(call, rule->algorithm == LK_LIMIT_BACKOFF ? "backoff" : "gcra");
        add_number(call, rule->count);
        add_number(call, rule->period_ms);
        add_number(call, rule->backoff_max_ms);
        add_argument(call, rule->skip_known ? "1" : "0");
    }
}

/* Copies the reply into `decision`. Returns 0, or -1 when its shape is not the script's. */
static int read_reply(const redisReply *reply, const lk_limit_plan_t *plan,
                      lk_limit_decision_t *decision)
{
    size_t expected = 2 + 4 * plan->rule_count;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != expected)
        return -1;
    for (size_t i = 0; i < expected; i++) {
        if (reply->element[i]->type != REDIS_REPLY_INTEGER)
            return -1;
    }

    memset(decision, 0, sizeof(*decision));
    decision->outcome = reply->element[0]->integer == 1 ? LK_LIMIT_ADMITTED : LK_LIMIT_REJECTED;
    decision->retry_after_ms = reply->element[1]->integer;
    decision->rule_count = plan->rule_count;
    for (size_t i = 0; i < plan->rule_count; i++) {
        redisReply *const *fields = &reply->element[2 + 4 * i];
        decision->rules[i] = (lk_limit_rule_status_t){
            .rule = plan->rules[i],
            .applied = fields[0]->integer == 1,
            .rejected = fields[1]->integer == 1,
            .remaining = fields[2]->integer,
            .reset_ms = fields[3]->integer,
        };
    }
    return 0;
}

/* Sends SCRIPT LOAD and checks that Redis computed the same SHA-1. */
static lk_redis_limiter_result_t load_script(redisContext *context, const char *sha, char *error,
                                             size_t error_size)
{
    redisReply *reply = redisCommand(context, "SCRIPT LOAD %s", limiter_script);
    lk_redis_limiter_result_t result = LK_REDIS_LIMITER_OK;

    if (reply == NULL) {
        snprintf(error, error_size, "SCRIPT LOAD failed: %s", context->errstr);
        result = LK_REDIS_LIMITER_CONNECTION_FAILED;
    } else if (reply->type != REDIS_REPLY_STRING || strcmp(reply->str, sha) != 0) {
        snprintf(error, error_size, "SCRIPT LOAD failed: %s",
                 reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
        result = LK_REDIS_LIMITER_FAILED;
    }
    freeReplyObject(reply);
    return result;
}

static bool is_noscript(const redisReply *reply)
{
    return reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "NOSCRIPT", 8) == 0;
}

lk_redis_limiter_result_t lk_redis_limiter_evaluate(redisContext *context,
                                                    const char sha[LK_REDIS_SCRIPT_SHA_SIZE],
                                                    const lk_limit_plan_t *plan,
                                                    lk_limit_decision_t *decision, char *error,
                                                    size_t error_size)
{
    script_call_t call;
    build_call(&call, sha, plan);

    redisReply *reply = redisCommandArgv(context, call.count, call.argv, call.lengths);
    if (reply != NULL && is_noscript(reply)) {
        freeReplyObject(reply);
        lk_redis_limiter_result_t loaded = load_script(context, sha, error, error_size);
        if (loaded != LK_REDIS_LIMITER_OK)
            return loaded;
        reply = redisCommandArgv(context, call.count, call.argv, call.lengths);
    }

    lk_redis_limiter_result_t result = LK_REDIS_LIMITER_OK;
    if (reply == NULL) {
        snprintf(error, error_size, "EVALSHA failed: %s", context->errstr);
        result = LK_REDIS_LIMITER_CONNECTION_FAILED;
    } else if (reply->type == REDIS_REPLY_ERROR) {
        snprintf(error, error_size, "EVALSHA failed: %s", reply->str);
        result = LK_REDIS_LIMITER_FAILED;
    } else if (read_reply(reply, plan, decision) != 0) {
        snprintf(error, error_size, "EVALSHA failed: the reply does not have the script's shape");
        result = LK_REDIS_LIMITER_FAILED;
    }
    freeReplyObject(reply);
    return result;
}

/* Appends one command of the success transaction. Returns 0 or -1. */
static int append(redisContext *context, int argc, const char **argv)
{
    return redisAppendCommandArgv(context, argc, argv, NULL) == REDIS_OK ? 0 : -1;
}

lk_redis_limiter_result_t lk_redis_limiter_record_success(redisContext *context,
                                                          const lk_limit_key_t *reset_key,
                                                          const lk_limit_key_t *known_key,
                                                          int64_t known_ttl_ms, char *error,
                                                          size_t error_size)
{
    char ttl[24];
    snprintf(ttl, sizeof(ttl), "%" PRId64, known_ttl_ms);
    const char *multi[] = {"MULTI"};
    const char *delete[] = {"DEL", reset_key->redis};
    const char *set[] = {"SET", known_key != NULL ? known_key->redis : "", "1", "PX", ttl};
    const char *exec[] = {"EXEC"};
    int replies = known_key != NULL ? 4 : 3;

    if (append(context, 1, multi) != 0 || append(context, 2, delete) != 0 ||
        (known_key != NULL && append(context, 5, set) != 0) || append(context, 1, exec) != 0) {
        snprintf(error, error_size, "recording a success failed: out of memory");
        return LK_REDIS_LIMITER_FAILED;
    }

    lk_redis_limiter_result_t result = LK_REDIS_LIMITER_OK;
    for (int i = 0; i < replies; i++) {
        redisReply *reply = NULL;
        if (redisGetReply(context, (void **)&reply) != REDIS_OK) {
            snprintf(error, error_size, "recording a success failed: %s", context->errstr);
            return LK_REDIS_LIMITER_CONNECTION_FAILED;
        }
        if (reply->type == REDIS_REPLY_ERROR && result == LK_REDIS_LIMITER_OK) {
            snprintf(error, error_size, "recording a success failed: %s", reply->str);
            result = LK_REDIS_LIMITER_FAILED;
        }
        freeReplyObject(reply);
    }
    return result;
}
