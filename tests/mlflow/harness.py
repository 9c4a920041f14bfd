"""What the tests against the real MLflow share: finding MLflow, running mreg, and starting
`mreg serve` and `mlflow server` on free ports.

MLflow is found through MREG_MLFLOW_PYTHONPATH (2.x) and MREG_MLFLOW3_PYTHONPATH (3.x); where a
variable is unset, a plain `import mlflow` of the matching major version (pip) does. Without it a
test prints "mreg-test-skipped: ..." and exits 77, which ctest reports as skipped.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
MREG = os.environ.get("MREG_BINARY", "mreg")
SKIP = 77
VARIABLES = {"2": "MREG_MLFLOW_PYTHONPATH", "3": "MREG_MLFLOW3_PYTHONPATH"}


def mlflow_env(major):
    """The environment for a Python that imports MLflow `major`.x, or None when there is none."""
    env = dict(os.environ)
    env.pop("MLFLOW_TRACKING_URI", None)
    env.pop("MLFLOW_REGISTRY_URI", None)
    path = os.environ.get(VARIABLES[major], "")
    if path:
        env["PYTHONPATH"] = path
    else:
        env.pop("PYTHONPATH", None)
    probe = subprocess.run([PYTHON, "-c", "import mlflow; print(mlflow.__version__)"], env=env,
                           capture_output=True, text=True)
    if probe.returncode != 0 or not probe.stdout.strip().startswith(major + "."):
        return None
    return env


def require_mlflow(*majors):
    envs = {}
    for major in majors:
        env = mlflow_env(major)
        if env is None:
            print(f"mreg-test-skipped: no MLflow {major}.x: set {VARIABLES[major]} "
                  f"or install mlflow {major}.x with pip")
            sys.exit(SKIP)
        envs[major] = env
    return envs


def run_client(env, code, *args):
    """Runs Python `code` with MLflow; its stdout is JSON, returned parsed."""
    done = subprocess.run([PYTHON, "-c", code, *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f"MLflow client failed ({done.returncode}):\n{done.stderr[-4000:]}")
    lines = [l for l in done.stdout.splitlines() if l.startswith("{") or l.startswith("[")]
    return json.loads(lines[-1])


def mreg(repo, *args, check=True):
    done = subprocess.run([MREG, "--repo", repo, *args], capture_output=True, text=True,
                          env={**os.environ, "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
                               "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com"})
    if check and done.returncode != 0:
        raise AssertionError(f"mreg {' '.join(args)} exited {done.returncode}: {done.stderr}")
    return done


def new_registry(folder):
    repo = os.path.join(folder, "registry")
    subprocess.run(["git", "init", "-q", repo], check=True)
    for k, v in (("user.name", "Test"), ("user.email", "test@example.com"), ("commit.gpgsign", "false"),
                 ("tag.gpgsign", "false")):
        subprocess.run(["git", "-C", repo, "config", k, v], check=True)
    mreg(repo, "init")
    return repo


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url, process, what, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{what} exited {process.returncode} before answering")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{what} did not answer {url}")


class Server:
    """A process serving HTTP on a port of its own, stopped (with its children) on exit."""

    def __init__(self, argv, env, what, probe="/"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        argv = [a.replace("{port}", str(self.port)) for a in argv]
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(argv, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        try:
            wait_for(self.url + probe, self.process, what)
        except AssertionError:
            self.log.seek(0)
            sys.stderr.write(self.log.read().decode(errors="replace")[-4000:])
            self.stop()
            raise

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def mreg_serve(repo):
    return Server([MREG, "--repo", repo, "serve", "--listen", "127.0.0.1:{port}"], os.environ, "mreg serve")


def mlflow_server(env, folder):
    """`mlflow server` with SQLite and artifacts under `folder`; tracking and registry alike."""
    db = os.path.join(folder, "mlflow.db")
    art = os.path.join(folder, "mlflow-artifacts")
    return Server([PYTHON, "-m", "mlflow", "server", "--backend-store-uri", "sqlite:///" + db,
                   "--default-artifact-root", "file://" + art, "--host", "127.0.0.1", "--port", "{port}",
                   "--workers", "1", "--gunicorn-opts", "--log-level warning"], env, "mlflow server",
                  probe="/health")


class Folder:
    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="mreg-mlflow-")
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)


def check(condition, message):
    if not condition:
        raise AssertionError(message)
