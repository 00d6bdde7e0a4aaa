// SQLite's own floor for one task: the writes the silo's group commit makes for a `noop` task, done by C with the
// statements prepared once and bound by index, nothing else in the process. Whatever the silo spends above this
// figure is ours; below it no silo on this machine can go with these writes. See bench/README.md.
//
//   floor DB N ENQUEUE_BATCH RUN_BATCH MODE SYNC
//     DB            a file holding the product's schema (run.sh makes it from deploy/sql/sqlite/*.sql)
//     N             tasks
//     ENQUEUE_BATCH tasks per enqueue transaction (the intake's batch)
//     RUN_BATCH     tasks per start transaction and per finish transaction (the slots of a pool)
//     MODE          full: 3 row writes + 3 event-log rows; nolog: the row writes only;
//                   nostart: no start update (insert + finish), still 3 log rows
//     SYNC          FULL (the product's setting) or NORMAL
//   Environment: CACHE (PRAGMA cache_size, default -2000), MMAP (PRAGMA mmap_size, default 0),
//   SEQ=1 time-ordered ids like the product's UUIDv7 task ids (otherwise random ones), TRIM=glibc to keep glibc's
//   default heap trimming (see below).
// Prints one JSON line; the process's /proc/self/io goes to stderr.
#include <malloc.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static const char *InsertSql =
    "INSERT INTO omni_tasks (id, queue, partition, action, payload, priority, status, attempt, retry_policy,"
    " timeout_ms, result_ttl_ms, created_at, updated_at, version, requires_approval)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 0) ON CONFLICT (id) DO NOTHING";
static const char *UpdateSql =
    "UPDATE omni_tasks SET payload = ?1, status = ?2, attempt = ?3, updated_at = ?4, due_at = NULL, started_at = ?5,"
    " finished_at = ?6, lease_expires_at = ?7, lease_owner = ?8, result = ?9, result_expires_at = ?10,"
    " last_error = NULL, cancel_reason = NULL, version = ?11, dependents = NULL, requires_approval = 0,"
    " approvals = NULL WHERE id = ?12 AND version = ?13";
static const char *LogSql =
    "INSERT INTO omni_event_log (kind, subject, queue, type, attempt, at, detail, silo, action)"
    " VALUES ('task', ?1, 'bench', ?2, ?3, ?4, NULL, '127.0.0.1:11111@123456789', ?5)";
static const char *RetryPolicy = "{\"maxAttempts\":3,\"initialDelayMs\":1000,\"maxDelayMs\":60000,\"jitter\":0.2}";
static const char *Owner = "127.0.0.1:11111@123456789";

static sqlite3 *db;

static long minor_faults(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return r.ru_minflt;
}

static double cpu_seconds(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return r.ru_utime.tv_sec + r.ru_utime.tv_usec / 1e6 + r.ru_stime.tv_sec + r.ru_stime.tv_usec / 1e6;
}

static double wall_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void check(int rc, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

// Runs a bound statement that must change exactly `changes` rows (-1: any), then resets it.
static void run(sqlite3_stmt *statement, int changes)
{
    check(sqlite3_step(statement), "step");
    if (changes >= 0 && sqlite3_changes(db) != changes) {
        fprintf(stderr, "expected %d changed rows, got %d\n", changes, sqlite3_changes(db));
        exit(1);
    }
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement);
}

static void log_row(sqlite3_stmt *log, const char *id, const char *type, int attempt, long long at)
{
    sqlite3_bind_text(log, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(log, 2, type, -1, SQLITE_STATIC);
    sqlite3_bind_int(log, 3, attempt);
    sqlite3_bind_int64(log, 4, at);
    sqlite3_bind_text(log, 5, "noop", -1, SQLITE_STATIC);
    run(log, 1);
}

static void insert_task(sqlite3_stmt *insert, const char *id, int i, long long now)
{
    char payload[32];
    snprintf(payload, sizeof payload, "{\"i\":%d}", i);
    sqlite3_bind_text(insert, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 2, "bench", -1, SQLITE_STATIC);
    sqlite3_bind_int(insert, 3, i % 4);
    sqlite3_bind_text(insert, 4, "noop", -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 5, payload, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(insert, 6, 0);
    sqlite3_bind_text(insert, 7, "queued", -1, SQLITE_STATIC);
    sqlite3_bind_int(insert, 8, 0);
    sqlite3_bind_text(insert, 9, RetryPolicy, -1, SQLITE_STATIC);
    sqlite3_bind_int(insert, 10, 30000);
    sqlite3_bind_int(insert, 11, 86400000);
    sqlite3_bind_int64(insert, 12, now);
    sqlite3_bind_int64(insert, 13, now);
    sqlite3_bind_int(insert, 14, 1);
    run(insert, 1);
}

// The whole row is written back, as the silo's compare-and-set update does: running (with a lease) or succeeded.
static void update_task(sqlite3_stmt *update, const char *id, int i, int running, int version, long long now)
{
    char payload[32];
    snprintf(payload, sizeof payload, "{\"i\":%d}", i);
    sqlite3_bind_text(update, 1, payload, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(update, 2, running ? "running" : "succeeded", -1, SQLITE_STATIC);
    sqlite3_bind_int(update, 3, 1);
    sqlite3_bind_int64(update, 4, now);
    sqlite3_bind_int64(update, 5, now);
    if (running) {
        sqlite3_bind_null(update, 6);
        sqlite3_bind_int64(update, 7, now + 30000);
        sqlite3_bind_text(update, 8, Owner, -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_int64(update, 6, now);
        sqlite3_bind_null(update, 7);
        sqlite3_bind_null(update, 8);
    }
    sqlite3_bind_null(update, 9);
    sqlite3_bind_null(update, 10);
    sqlite3_bind_int(update, 11, version + 1);
    sqlite3_bind_text(update, 12, id, -1, SQLITE_STATIC);
    sqlite3_bind_int(update, 13, version);
    run(update, 1);
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: floor DB N ENQUEUE_BATCH RUN_BATCH full|nolog|nostart FULL|NORMAL\n");
        return 2;
    }
    const char *path = argv[1], *mode = argv[5], *sync = argv[6];
    int n = atoi(argv[2]), enqueue_batch = atoi(argv[3]), run_batch = atoi(argv[4]);
    int logs = strcmp(mode, "nolog") != 0, starts = strcmp(mode, "nostart") != 0;

    // With glibc's defaults this lone process hands the heap's top back to the kernel after each transaction and
    // faults it in again in the next: 20 page faults per task, a third of its CPU (bench/README). The silo does not
    // (2 faults per task, whole machine), so the floor keeps its freed memory, as the silo's process does.
    const char *trim = getenv("TRIM");
    if (!trim || strcmp(trim, "glibc") != 0) {
        mallopt(M_TRIM_THRESHOLD, 64 << 20);
    }
    check(sqlite3_open(path, &db), "open");
    char pragmas[256];
    snprintf(pragmas, sizeof pragmas, "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA cache_size=%s; PRAGMA mmap_size=%s;",
        sync, getenv("CACHE") ? getenv("CACHE") : "-2000", getenv("MMAP") ? getenv("MMAP") : "0");
    check(sqlite3_exec(db, pragmas, 0, 0, 0), "pragmas");
    sqlite3_stmt *insert, *update, *log;
    check(sqlite3_prepare_v2(db, InsertSql, -1, &insert, 0), "prepare insert");
    check(sqlite3_prepare_v2(db, UpdateSql, -1, &update, 0), "prepare update");
    check(sqlite3_prepare_v2(db, LogSql, -1, &log, 0), "prepare log");

    // 32 hex digits; time-ordered ids put the counter first, random ones last.
    char (*ids)[40] = malloc(sizeof(*ids) * n);
    int ordered = getenv("SEQ") != NULL;
    srand(42);
    for (int i = 0; i < n; i++) {
        if (ordered) {
            snprintf(ids[i], 40, "%08x%08x%08x%08x", i, rand(), rand(), rand());
        } else {
            snprintf(ids[i], 40, "%08x%08x%08x%08x", rand(), rand(), rand(), i);
        }
    }

    long long now = 1764900000000LL;
    int commits = 0;
    long faults0 = minor_faults();
    double cpu0 = cpu_seconds(), wall0 = wall_seconds();
    for (int b = 0; b < n; b += enqueue_batch) {
        check(sqlite3_exec(db, "BEGIN IMMEDIATE", 0, 0, 0), "begin");
        for (int i = b; i < b + enqueue_batch && i < n; i++, now++) {
            insert_task(insert, ids[i], i, now);
            if (logs) {
                log_row(log, ids[i], "enqueued", 0, now);
            }
        }
        check(sqlite3_exec(db, "COMMIT", 0, 0, 0), "commit");
        commits++;
    }
    double cpu1 = cpu_seconds();
    for (int b = 0; b < n; b += run_batch) {
        if (starts) {
            check(sqlite3_exec(db, "BEGIN IMMEDIATE", 0, 0, 0), "begin");
            for (int i = b; i < b + run_batch && i < n; i++) {
                update_task(update, ids[i], i, 1, 1, now);
                if (logs) {
                    log_row(log, ids[i], "executing", 1, now);
                }
            }
            check(sqlite3_exec(db, "COMMIT", 0, 0, 0), "commit");
            commits++;
        }
        check(sqlite3_exec(db, "BEGIN IMMEDIATE", 0, 0, 0), "begin");
        for (int i = b; i < b + run_batch && i < n; i++, now++) {
            update_task(update, ids[i], i, 0, starts ? 2 : 1, now);
            if (logs) {
                if (!starts) {
                    log_row(log, ids[i], "executing", 1, now);
                }
                log_row(log, ids[i], "complete", 1, now);
            }
        }
        check(sqlite3_exec(db, "COMMIT", 0, 0, 0), "commit");
        commits++;
    }
    double cpu2 = cpu_seconds(), wall2 = wall_seconds();

    printf("{\"bench\":\"sqlite_floor\",\"mode\":\"%s\",\"sync\":\"%s\",\"ids\":\"%s\",\"cache_size\":\"%s\",\"n\":%d,"
           "\"enqueue_batch\":%d,\"run_batch\":%d,\"cpu_us_per_task\":%.1f,\"enqueue_cpu_us\":%.1f,\"run_cpu_us\":%.1f,"
           "\"wall_us_per_task\":%.1f,\"max_tasks_per_s_one_writer\":%.0f,\"commits\":%d,\"page_faults_per_task\":%.2f,\"heap_trim\":\"%s\",\"sqlite\":\"%s\"}\n",
        mode, sync, ordered ? "ordered" : "random", getenv("CACHE") ? getenv("CACHE") : "-2000", n, enqueue_batch, run_batch,
        (cpu2 - cpu0) / n * 1e6, (cpu1 - cpu0) / n * 1e6, (cpu2 - cpu1) / n * 1e6, (wall2 - wall0) / n * 1e6,
        n / (cpu2 - cpu0), commits, (double)(minor_faults() - faults0) / n, trim && strcmp(trim, "glibc") == 0 ? "glibc" : "64MiB",
        sqlite3_libversion());
    FILE *io = fopen("/proc/self/io", "r");
    if (io) {
        char line[128];
        while (fgets(line, sizeof line, io)) {
            fputs(line, stderr);
        }
        fclose(io);
    }
    sqlite3_finalize(insert);
    sqlite3_finalize(update);
    sqlite3_finalize(log);
    sqlite3_close(db);
    free(ids);
    return 0;
}
