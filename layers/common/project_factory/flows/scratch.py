"""Where a resource's intermediate files live in S3 (under the scratch prefix, which expires)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ScratchKeys:
    prefix: str
    resource_id: str

    @property
    def base(self) -> str:
        return f"{self.prefix}{self.resource_id}/"

    @property
    def manifest(self) -> str:
        """The chunk list the Distributed Map reads."""
        return f"{self.base}manifest.json"

    @property
    def summary(self) -> str:
        return f"{self.base}summary.json"

    @property
    def verdicts(self) -> str:
        """Every sheet row in order, with its validation verdict."""
        return f"{self.base}verdicts.jsonl"

    def chunk(self, index: int) -> str:
        return f"{self.base}chunks/{index:06d}.jsonl"

    def outcomes(self, index: int) -> str:
        return f"{self.base}outcomes/{index:06d}.json"
