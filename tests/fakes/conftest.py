from tests.fakes.fake_x import fake_x, fake_x_server

__all__ = ["fake_x", "fake_x_server"]
