"""Media adapters: the inspector (type sniffing, Pillow for images, PyAV for video) and the
stores (filesystem, S3-compatible)."""
