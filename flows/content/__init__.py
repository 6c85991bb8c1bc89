"""Content packs: the situations, perspectives, process and virtues the bot uses.

Use ``load_pack()`` for the validated pack and ``check_dir()`` to list problems.
"""

from .loader import ContentError, Problem, check_dir, default_pack_dir, load_pack
from .schema import ContentPack

__all__ = ["ContentError", "ContentPack", "Problem", "check_dir", "default_pack_dir", "load_pack"]
