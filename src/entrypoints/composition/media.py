"""Providers for media: the store the settings choose, the inspector, the one guarded
fetcher for client-given URLs, the caps, and the /v1/media use cases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

from dishka import Provider, Scope, provide

from adapters.media.filesystem import SPOOL_FOLDER, FileSystemMediaStore
from adapters.media.inspector import LocalMediaInspector
from application.delete_media import DeleteMedia
from application.describe_media import DescribeMedia
from application.get_media import GetMedia
from application.list_media import ListMedia
from application.ports.clock import Clock
from application.ports.media_inspector import MediaInspector
from application.ports.media_store import MediaStore
from application.ports.unit_of_work import ReadOnlyUnitOfWorkFactory
from application.ports.url_fetcher import UrlFetcher
from application.read_media_content import ReadMediaContent
from application.sweep_media import SweepMedia
from application.upload_media import UploadMedia
from application.upload_media_from_url import UploadMediaFromUrl
from domain.media import MediaCaps
from entrypoints.settings import Settings


class MediaProvider(Provider):
    scope = Scope.REQUEST

    upload_media = provide(UploadMedia)
    upload_media_from_url = provide(UploadMediaFromUrl)
    list_media = provide(ListMedia)
    get_media = provide(GetMedia)
    describe_media = provide(DescribeMedia)
    delete_media = provide(DeleteMedia)
    read_media_content = provide(ReadMediaContent)

    @provide(scope=Scope.APP)
    def caps(self, settings: Settings) -> MediaCaps:
        return MediaCaps(
            image_bytes=settings.media_max_image_bytes,
            gif_bytes=settings.media_max_gif_bytes,
            video_bytes=settings.media_max_video_bytes,
        )

    @provide(scope=Scope.APP)
    def sweep(
        self,
        settings: Settings,
        uows: ReadOnlyUnitOfWorkFactory,
        store: MediaStore,
        clock: Clock,
    ) -> SweepMedia:
        return SweepMedia(uows, store, clock, timedelta(seconds=settings.media_sweep_after_s))

    @provide(scope=Scope.APP)
    def inspector(self, settings: Settings) -> MediaInspector:
        """With the filesystem store, uploads spool inside MEDIA_DIR, so a kept upload is
        renamed into place instead of copied."""
        if settings.media_s3_url is None:
            return LocalMediaInspector(settings.media_folder / SPOOL_FOLDER)
        return LocalMediaInspector()

    @provide(scope=Scope.APP)
    async def store(self, settings: Settings) -> AsyncIterator[MediaStore]:
        """S3 when MEDIA_S3_URL is set (its client is loaded only then), else MEDIA_DIR."""
        if settings.media_s3_url is None:
            yield FileSystemMediaStore(settings.media_folder)
            return
        from adapters.media.s3 import S3MediaStore

        store = S3MediaStore(settings.media_s3_url, settings.media_s3_endpoint)
        yield store
        await store.close()

    @provide(scope=Scope.APP)
    async def fetcher(self, settings: Settings) -> AsyncIterator[UrlFetcher]:
        """Made on first need (an upload from a URL): the fetcher brings aiohttp, which a
        `serve` start never needs."""
        from adapters.fetch.fetcher import GuardedFetcher
        from adapters.fetch.policy import AddressPolicy

        fetcher = GuardedFetcher(AddressPolicy(allow_private=settings.fetch_allow_private))
        yield fetcher
        await fetcher.close()
