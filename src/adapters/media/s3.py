"""`S3MediaStore`: media in any S3-compatible object store (MEDIA_S3_URL, MEDIA_S3_ENDPOINT),
for deployments spread over several machines. Credentials come the standard AWS way
(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, profiles...), read by botocore itself.

An object larger than one part is sent as a multipart upload, one 8 MiB part at a time, so
memory stays bounded whatever the size; an upload that fails is aborted, leaving nothing.
Path-style addressing works with every S3-compatible server. The sweep aborts multipart
uploads begun before its cutoff (a process that died mid-upload), which the store would
otherwise keep, and bill, for ever.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import AsyncExitStack, suppress
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError

from application.ports.media_store import MediaObjectMissing, MediaStore, MediaStoreError
from domain.media import StoredBytes

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client
    from types_aiobotocore_s3.type_defs import CompletedPartTypeDef

PART_BYTES = 8 * 1024 * 1024
_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})
_FAILURES = (BotoCoreError, ClientError, OSError)


def parse_s3_url(url: str) -> tuple[str, str]:
    """`s3://bucket/prefix` -> (bucket, "prefix/"); the prefix may be empty."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError("MEDIA_S3_URL must look like s3://bucket/prefix")
    prefix = parts.path.strip("/")
    return parts.netloc, f"{prefix}/" if prefix else ""


class S3MediaStore(MediaStore):
    def __init__(self, url: str, endpoint_url: str | None = None) -> None:
        self._bucket, self._prefix = parse_s3_url(url)
        self._endpoint_url = endpoint_url
        self._stack = AsyncExitStack()
        self._client: S3Client | None = None

    async def close(self) -> None:
        await self._stack.aclose()
        self._client = None

    async def write(self, key: str, chunks: AsyncIterable[bytes]) -> StoredBytes:
        client, name = await self._s3(), self._prefix + key
        digest, size, part = hashlib.sha256(), 0, bytearray()
        upload: _MultipartUpload | None = None
        try:
            async for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                part += chunk
                if len(part) >= PART_BYTES:
                    upload = upload or await _MultipartUpload.start(client, self._bucket, name)
                    await upload.send(bytes(part))
                    part.clear()
            if upload is None:
                await client.put_object(Bucket=self._bucket, Key=name, Body=bytes(part))
            else:
                if part:
                    await upload.send(bytes(part))
                await upload.complete()
        except _FAILURES as exc:
            if upload is not None:
                await upload.abort()
            raise MediaStoreError("the object store refused the upload") from exc
        except BaseException:
            if upload is not None:
                await upload.abort()
            raise
        return StoredBytes(size, digest.hexdigest())

    async def keep_file(self, key: str, path: Path, known: StoredBytes | None) -> StoredBytes:
        return await self.write(key, _file_chunks(path))

    async def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        if end is not None and end <= start:
            return
        client = await self._s3()
        wanted = f"bytes={start}-{'' if end is None else end - 1}"
        try:
            answer = await client.get_object(
                Bucket=self._bucket, Key=self._prefix + key, Range=wanted
            )
            async with answer["Body"] as body:
                async for chunk in body.iter_chunks(1024 * 1024):
                    yield chunk
        except ClientError as exc:
            if _code(exc) in _MISSING:
                raise MediaObjectMissing(key) from exc
            if _code(exc) == "InvalidRange":
                return
            raise MediaStoreError("the object store refused the read") from exc
        except (BotoCoreError, OSError) as exc:
            raise MediaStoreError("the object store failed during the read") from exc

    async def delete(self, key: str) -> None:
        client = await self._s3()
        try:
            await client.delete_object(Bucket=self._bucket, Key=self._prefix + key)
        except _FAILURES as exc:
            raise MediaStoreError("the object store refused the delete") from exc

    async def stored_before(self, cutoff: datetime) -> AsyncIterator[str]:
        client = await self._s3()
        pages = client.get_paginator("list_objects_v2")
        try:
            async for page in pages.paginate(Bucket=self._bucket, Prefix=self._prefix):
                for item in page.get("Contents", []):
                    if item["LastModified"] < cutoff:
                        yield item["Key"][len(self._prefix) :]
        except _FAILURES as exc:
            raise MediaStoreError("the object store refused the listing") from exc

    async def remove_partial(self, cutoff: datetime) -> int:
        client, removed = await self._s3(), 0
        pages = client.get_paginator("list_multipart_uploads")
        try:
            async for page in pages.paginate(Bucket=self._bucket, Prefix=self._prefix):
                for upload in page.get("Uploads", []):
                    if upload["Initiated"] < cutoff:
                        await client.abort_multipart_upload(
                            Bucket=self._bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                        )
                        removed += 1
        except _FAILURES as exc:
            raise MediaStoreError("the object store refused the listing") from exc
        return removed

    async def _s3(self) -> S3Client:
        if self._client is None:
            config = AioConfig(s3={"addressing_style": "path"}, retries={"max_attempts": 3})
            creator = get_session().create_client(
                "s3", endpoint_url=self._endpoint_url, config=config
            )
            self._client = await self._stack.enter_async_context(creator)
        return self._client


class _MultipartUpload:
    def __init__(self, client: S3Client, bucket: str, key: str, upload_id: str) -> None:
        self._client, self._bucket, self._key, self._id = client, bucket, key, upload_id
        self._parts: list[CompletedPartTypeDef] = []

    @classmethod
    async def start(cls, client: S3Client, bucket: str, key: str) -> _MultipartUpload:
        answer = await client.create_multipart_upload(Bucket=bucket, Key=key)
        return cls(client, bucket, key, answer["UploadId"])

    async def send(self, data: bytes) -> None:
        number = len(self._parts) + 1
        answer = await self._client.upload_part(
            Bucket=self._bucket, Key=self._key, UploadId=self._id, PartNumber=number, Body=data
        )
        self._parts.append({"PartNumber": number, "ETag": answer["ETag"]})

    async def complete(self) -> None:
        await self._client.complete_multipart_upload(
            Bucket=self._bucket,
            Key=self._key,
            UploadId=self._id,
            MultipartUpload={"Parts": self._parts},
        )

    async def abort(self) -> None:
        with suppress(*_FAILURES):
            await self._client.abort_multipart_upload(
                Bucket=self._bucket, Key=self._key, UploadId=self._id
            )


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


async def _file_chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as file:
        while chunk := await asyncio.to_thread(file.read, PART_BYTES):
            yield chunk
