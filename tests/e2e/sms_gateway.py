"""A fake SMS gateway that speaks HTTP/1.1 only (keep-alive, no HTTP/2), like most gateways:
it answers every POST after `delay` seconds with 200 and records the delivery id of each
message (onewindow-pushd's `http` SMS provider posts {"delivery_id", "phone", …}) and the most
requests it held at once. asyncio, one thread: hundreds of connections cost nothing.

    gw = SmsGateway(delay=0.3).start()      # in a background thread; gw.url for sms_url
    gw.ids, gw.most, gw.stop()
    python3 tests/e2e/sms_gateway.py --port P --delay 0.3 --count-file F   (make bench)
"""
import argparse
import asyncio
import json
import threading


class SmsGateway:
    def __init__(self, delay=0.0, host="127.0.0.1", port=0):
        self.delay, self.host, self.port = delay, host, port
        self.ids, self.now, self.most, self.requests = [], 0, 0, 0
        self.lock = threading.Lock()
        self.loop = self.server = self.thread = None
        self.started = threading.Event()

    @property
    def url(self):
        return f"http://{self.host}:{self.port}/sms/send"

    async def handle(self, reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                body = await reader.readexactly(length) if length else b""
                with self.lock:
                    self.requests += 1
                    self.now += 1
                    self.most = max(self.most, self.now)
                    try:
                        self.ids.append(json.loads(body)["delivery_id"])
                    except (ValueError, KeyError, TypeError):
                        pass
                try:
                    await asyncio.sleep(self.delay)
                finally:
                    with self.lock:
                        self.now -= 1
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: 15\r\n\r\n{\"result\":\"ok\"}")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def serve(self):
        self.server = await asyncio.start_server(self.handle, self.host, self.port, backlog=1024)
        self.port = self.server.sockets[0].getsockname()[1]
        self.started.set()
        async with self.server:
            await self.server.serve_forever()

    def start(self):
        def run():
            self.loop = asyncio.new_event_loop()
            try:
                self.loop.run_until_complete(self.serve())
            except asyncio.CancelledError:
                pass
        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert self.started.wait(10), "the SMS gateway did not start"
        return self

    def stop(self):
        if self.loop and self.server:
            self.loop.call_soon_threadsafe(self.server.close)
            for task in asyncio.all_tasks(self.loop):
                self.loop.call_soon_threadsafe(task.cancel)
        if self.thread:
            self.thread.join(5)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--delay", type=float, default=0.3)
    args = p.parse_args()
    gw = SmsGateway(args.delay, port=args.port)
    asyncio.run(gw.serve())


if __name__ == "__main__":
    main()
