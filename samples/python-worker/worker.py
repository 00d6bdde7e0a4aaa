"""A worker behind OmniActors' built-in `http` action (a push queue): the silo POSTs each attempt of a task here.

Run:  python3 worker.py [port]     (standard library only; default port 8000)

What it answers decides the task's fate: 2xx succeeds (the status and the body become the task's result), 408, 429
and 5xx are retried with backoff, any other 4xx dead-letters the task at once.

Delivery is at-least-once: an attempt that timed out, or whose answer was lost, runs again. The task id
(X-Omni-Task-Id) is the same on every attempt, so it is the idempotency key: this worker records each finished
task id with its answer, in the same SQLite transaction as the work's effect, and replays the answer when the task
comes again instead of doing the work twice.
"""

import json
import sqlite3
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DB = sqlite3.connect("worker.db", check_same_thread=False, isolation_level=None)
DB.execute("CREATE TABLE IF NOT EXISTS done (task_id TEXT PRIMARY KEY, answer TEXT NOT NULL)")
DB.execute("CREATE TABLE IF NOT EXISTS greetings (task_id TEXT PRIMARY KEY, text TEXT NOT NULL)")
LOCK = threading.Lock()  # one connection, one transaction at a time


class Worker(BaseHTTPRequestHandler):
    def do_POST(self):
        task_id = self.headers.get("X-Omni-Task-Id")
        attempt = int(self.headers.get("X-Omni-Attempt", "1"))
        if not task_id:
            return self.answer(400, {"error": "not an OmniActors delivery (no X-Omni-Task-Id)"})
        envelope = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        # Without a "body" in the task's payload, the silo sends the envelope: {taskId, attempt, queue, payload}.
        payload = envelope.get("payload", envelope)

        if attempt <= int(payload.get("failAttempts", 0)):
            return self.answer(503, {"error": f"failing attempt {attempt} on purpose; the silo retries"})
        name = payload.get("name")
        if not isinstance(name, str) or not name:
            return self.answer(422, {"error": "payload.name is required"})  # a 4xx other than 408/429: no retry

        with LOCK:
            # Check, do and record in one transaction: two deliveries of one task (a retry racing a slow first
            # attempt) cannot both do the work, and a crash before COMMIT leaves nothing, so the retry redoes it all.
            DB.execute("BEGIN IMMEDIATE")
            try:
                row = DB.execute("SELECT answer FROM done WHERE task_id = ?", (task_id,)).fetchone()
                if row:
                    DB.execute("COMMIT")
                    return self.answer(200, json.loads(row[0]) | {"replayed": True})
                answer = {"greeting": f"Hello, {name}!", "taskId": task_id, "attempt": attempt}
                DB.execute("INSERT INTO greetings (task_id, text) VALUES (?, ?)", (task_id, answer["greeting"]))
                DB.execute("INSERT INTO done (task_id, answer) VALUES (?, ?)", (task_id, json.dumps(answer)))
                DB.execute("COMMIT")
            except Exception:
                DB.execute("ROLLBACK")
                raise
        return self.answer(200, answer)

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        sys.stderr.write(f"{self.headers.get('X-Omni-Task-Id', '-')} attempt {self.headers.get('X-Omni-Attempt', '-')}: {format % args}\n")


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    print(f"listening on http://127.0.0.1:{port}", flush=True)
    ThreadingHTTPServer(("127.0.0.1", port), Worker).serve_forever()
