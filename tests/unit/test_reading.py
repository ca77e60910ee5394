from ociplatform.reading import content_range_total, range_header, read_bounded


class FakeStream:
    def __init__(self, body: bytes, chunk: int = 7):
        self.body, self.chunk, self.read, self.closed = body, chunk, 0, False

    def iter_content(self, size):
        for start in range(0, len(self.body), self.chunk):
            self.read = start + self.chunk
            yield self.body[start:start + self.chunk]

    def close(self):
        self.closed = True


class FakeResponse:
    def __init__(self, body: bytes, content_range: str | None = None):
        self.data = FakeStream(body)
        self.headers = {"content-range": content_range} if content_range else {}


def test_range_asks_for_one_byte_more_than_the_limit():
    assert range_header(100) == "bytes=0-100"


def test_within_the_limit():
    response = FakeResponse(b"x" * 100, "bytes 0-99/100")
    assert read_bounded(response, 100) == (b"x" * 100, False)
    assert response.data.closed


def test_content_range_total_says_too_large():
    assert read_bounded(FakeResponse(b"x" * 101, "bytes 0-100/5000000"), 100)[1] is True


def test_a_server_ignoring_range_is_not_read_to_the_end():
    response = FakeResponse(b"x" * 10_000)
    data, too_large = read_bounded(response, 100)
    assert too_large and len(data) == 101
    assert response.data.read < 200 and response.data.closed


def test_content_range_parsing():
    assert content_range_total("bytes 0-99/1234") == 1234
    assert content_range_total("bytes 0-99/*") is None
    assert content_range_total(None) is None
