"""Fetches every model-versions/get answer of OUT/api.txt from the server at BASE (kept-alive
connections, two at a time) and writes each body to OUT/static/NAME/VERSION.json, the file
nginx serves for it: the same bytes, as static files."""
import http.client
import os
import sys
import threading
from urllib.parse import urlsplit, parse_qs

base, out = sys.argv[1], sys.argv[2]
host = urlsplit(base)
with open(f"{out}/api.txt") as f:
    urls = f.read().split()


def fetch(part):
    conn = http.client.HTTPConnection(host.hostname, host.port)
    for url in part:
        conn.request("GET", url)
        res = conn.getresponse()
        body = res.read()
        if res.status != 200:
            sys.exit(f"static_copy: {url}: HTTP {res.status}")
        q = parse_qs(urlsplit(url).query)
        folder = f"{out}/static/{q['name'][0]}"
        os.makedirs(folder, exist_ok=True)
        with open(f"{folder}/{q['version'][0]}.json", "wb") as f:
            f.write(body)


threads = [threading.Thread(target=fetch, args=(urls[i::2],)) for i in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
