"""Runs one Milvus standalone server (PyPI `milvus`) in the foreground and records its actual addresses.

The package moves any busy port up silently, so the ports it really bound are written to ENV_FILE once the
server is healthy. SIGINT/SIGTERM stop Milvus gracefully (SIGKILL only after a timeout).
The embedded etcd's peer port is fixed at 2380 by the package; an etcd config file moves it, so a second
instance (the tests' beside the demo's) can run.
Usage: python milvus_launcher.py DATA_DIR GRPC_PORT HEALTH_PORT ETCD_PORT ENV_FILE
"""
import os
import signal
import socket
import sys

import milvus

data_dir, grpc_port, health_port, etcd_port, env_file = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]

etcd_config = os.path.join(data_dir, 'embed-etcd.yaml')
os.makedirs(data_dir, exist_ok=True)
with open(etcd_config, 'w', encoding='utf-8') as out:
    out.write(
        f"listen-client-urls: http://127.0.0.1:{etcd_port}\n"
        f"advertise-client-urls: http://127.0.0.1:{etcd_port}\n"
        f"listen-peer-urls: http://127.0.0.1:{etcd_port + 1}\n"
        f"initial-advertise-peer-urls: http://127.0.0.1:{etcd_port + 1}\n"
        f"initial-cluster: default=http://127.0.0.1:{etcd_port + 1}\n"
    )



def try_bind_port(_config, port):
    # The package probes ports without SO_REUSEADDR, so a port whose last connections linger in TIME_WAIT (right
    # after a stop) looks busy and Milvus comes back on the next port, where no client looks for it.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(('127.0.0.1', port))
        sock.listen()
        return sock
    except OSError:
        sock.close()
        return None


milvus.MilvusServerConfig.try_bind_port = try_bind_port
server = milvus.MilvusServer()
server.set_base_dir(data_dir)
server.config.set('proxy_port', grpc_port)
server.config.set('etcd_port', etcd_port)
server.config.template_text = server.config.template_text.replace(
    '  use:\n    embed: true', f'  config:\n    path: {etcd_config}\n  use:\n    embed: true', 1
)
server.webservice_port = health_port


def stop(*_):
    # The main thread is blocked in server_proc.wait() below, holding its lock, so only signal here: Milvus shuts
    # down, wait() returns, and the launcher exits with it. With data in it, its shutdown can hang on coordinators
    # that already left, so SIGKILL follows after 15 s.
    proc = server.server_proc
    if proc and proc.poll() is None:
        proc.terminate()
        signal.signal(signal.SIGALRM, lambda *_: proc.kill())
        signal.alarm(15)


signal.signal(signal.SIGINT, stop)
signal.signal(signal.SIGTERM, stop)

try:
    server.start()  # returns once /healthz answers
except BaseException:
    # It gives up waiting (180 s) without stopping the server it started, which would then hold the ports.
    if server.server_proc and server.server_proc.poll() is None:
        server.server_proc.kill()
    raise
with open(env_file, 'w', encoding='utf-8') as out:
    out.write(f"MILVUS_ADDRESS=127.0.0.1:{server.config.get('proxy_port')}\n")
    out.write(f"MILVUS_HEALTH_URL=http://127.0.0.1:{server.webservice_port}/healthz\n")
print(f"milvus ready: grpc {server.config.get('proxy_port')}, health {server.webservice_port}", flush=True)
sys.exit(server.server_proc.wait())
