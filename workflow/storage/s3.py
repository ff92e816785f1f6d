"""Files in an S3-compatible bucket (AWS S3, MinIO, Ceph, the Saudi clouds' object storage) via boto3.

Configured by STORAGE_URL=s3://bucket/prefix; credentials, region and endpoint come from the usual
AWS_* variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION, AWS_ENDPOINT_URL),
read by boto3 itself, so they are never part of our configuration or logs. Objects are written
whole in one PUT (an interrupted upload is never visible), with server-side encryption requested
and the SHA-256 kept as metadata so migrations and restores can verify them.
"""
from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from typing import BinaryIO
from urllib.parse import urlsplit


def parse_url(url: str) -> tuple[str, str]:
    """('bucket', 'prefix/') from s3://bucket/prefix."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"not an s3:// URL: {url!r}")
    prefix = parts.path.strip("/")
    return parts.netloc, (prefix + "/") if prefix else ""


class S3Store:
    kind = "s3"

    def __init__(self, url: str, *, endpoint_url: str | None = None, sse: str = "AES256",
                 kms_key_id: str | None = None, presign_seconds: int = 0, addressing_style: str | None = None):
        import boto3
        from botocore.config import Config

        self.url = url
        self.bucket, self.prefix = parse_url(url)
        self.sse = "" if sse.lower() in ("", "none", "off") else sse
        self.kms_key_id = kms_key_id or None
        self.presign_seconds = presign_seconds
        style = addressing_style or ("path" if endpoint_url else "auto")
        self.client = boto3.client("s3", endpoint_url=endpoint_url or None,
                                   config=Config(signature_version="s3v4", s3={"addressing_style": style}, retries={"max_attempts": 3},
                                                 connect_timeout=5, read_timeout=30))

    def describe(self) -> str:
        return self.url

    def key(self, name: str) -> str:
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise FileNotFoundError(name)
        return self.prefix + name

    def _not_found(self, exc) -> bool:
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        return code in ("404", "NoSuchKey", "NotFound")

    def put(self, name: str, data: bytes, mime: str, sha256: str) -> None:
        extra = {}
        if self.sse:
            extra["ServerSideEncryption"] = self.sse
            if self.sse == "aws:kms" and self.kms_key_id:
                extra["SSEKMSKeyId"] = self.kms_key_id
        # Content-MD5: the store refuses a body that arrived damaged.
        md5 = base64.b64encode(hashlib.md5(data).digest()).decode()  # noqa: S324 (integrity, not security)
        self.client.put_object(Bucket=self.bucket, Key=self.key(name), Body=data, ContentType=mime,
                               ContentMD5=md5, Metadata={"sha256": sha256}, **extra)

    def open(self, name: str) -> BinaryIO:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key(name))["Body"]
        except ClientError as exc:
            if self._not_found(exc):
                raise FileNotFoundError(name) from None
            raise

    def head(self, name: str) -> dict | None:
        from botocore.exceptions import ClientError

        try:
            return self.client.head_object(Bucket=self.bucket, Key=self.key(name))
        except ClientError as exc:
            if self._not_found(exc):
                return None
            raise

    def exists(self, name: str) -> bool:
        return self.head(name) is not None

    def sha256_of(self, name: str) -> str | None:
        head = self.head(name)
        if head is None:
            return None
        return head.get("Metadata", {}).get("sha256")

    def delete(self, name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(name))

    def listing(self) -> Iterator[tuple[str, float]]:
        """(name, modified time as a Unix timestamp) of every stored object under the prefix."""
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", []):
                name = item["Key"][len(self.prefix):]
                if name and "/" not in name:
                    yield name, item["LastModified"].timestamp()

    def check(self) -> None:
        self.client.head_bucket(Bucket=self.bucket)

    def download_url(self, name: str, filename: str, mime: str, inline: bool) -> str | None:
        """A short-lived presigned URL (after the app's access check), when configured; else None."""
        if self.presign_seconds <= 0:
            return None
        from workflow.storage import content_disposition

        return self.client.generate_presigned_url(
            "get_object", ExpiresIn=self.presign_seconds,
            Params={"Bucket": self.bucket, "Key": self.key(name),
                    "ResponseContentType": mime if inline else "application/octet-stream",
                    "ResponseContentDisposition": content_disposition("inline" if inline else "attachment",
                                                                      filename)})
