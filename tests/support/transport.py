"""An in-memory asyncio transport: what a protocol writes is collected in ``data``."""

__all__ = ["FakeTransport"]


class FakeTransport:
    def __init__(self):
        self.data = bytearray()
        self.closed = False

    def write(self, data):
        self.data += data

    def get_extra_info(self, name, default=None):
        return {"peername": ("127.0.0.1", 5555), "sockname": ("127.0.0.1", 6379)}.get(name)

    def set_write_buffer_limits(self, high, low):
        pass

    def is_closing(self):
        return self.closed

    def get_write_buffer_size(self):
        return 0

    def close(self):
        self.closed = True

    def pause_reading(self):
        pass

    def resume_reading(self):
        pass
