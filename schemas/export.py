"""Write (or check) the JSON Schema files that sit beside the models.

python -m schemas.export          # rewrite schemas/json/*.json
python -m schemas.export --check  # exit 1 when a file is stale
"""

import json
import sys
from pathlib import Path

from schemas.catalogue import TOPICS

JSON_DIR = Path(__file__).parent / "json"


def rendered() -> dict[str, str]:
    """File name -> JSON Schema text, one file per event type and version."""
    files = {}
    for topic in TOPICS:
        for cls in topic.events:
            schema = cls.model_json_schema()
            schema["x-topic"] = topic.name
            schema["x-partition-key"] = f"payload.{cls.key_field}"
            fields = cls.model_fields
            name = f"{fields['type'].default}.v{fields['version'].default}.json"
            files[name] = (
                json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
            )
    return files


def stale() -> list[str]:
    """Names of files that are missing, different, or no longer generated."""
    wanted = rendered()
    present = {p.name for p in JSON_DIR.glob("*.json")}
    out = [
        n
        for n, text in wanted.items()
        if not (JSON_DIR / n).exists()
        or (JSON_DIR / n).read_text(encoding="utf-8") != text
    ]
    return sorted(out + sorted(present - wanted.keys()))


def main(argv: list[str]) -> int:
    if "--check" in argv:
        names = stale()
        for name in names:
            print(f"stale: schemas/json/{name} (run python -m schemas.export)")
        return 1 if names else 0
    JSON_DIR.mkdir(exist_ok=True)
    wanted = rendered()
    for old in JSON_DIR.glob("*.json"):
        if old.name not in wanted:
            old.unlink()
    for name, text in wanted.items():
        (JSON_DIR / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(wanted)} schemas to {JSON_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
