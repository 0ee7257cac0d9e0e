"""The article's story vector: what the corpus index keeps to find other tellings of its story.

Read off the shared encoder pass the techniques analyser already made (``art._encoded``), by the
story-similarity model (:mod:`slant.stories`): a unit vector, stored on the Article as
``Article.story`` (float16, base64) so that it travels with the Article from a worker process or a
Ray actor to the process that writes the store, where ``slant ingest`` files it in the
nearest-neighbour index (:mod:`slant.story_index`) and groups the article with the stored articles
that tell the same story.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from ..article import Article
from ..doclabels import ENCODER_DIR, encode_missing
from ..story_index import pack_vector
from .base import Analyser, batched


class Stories(Analyser):
    """The story vector of the article, for finding its retellings across outlets and languages."""

    name = "stories"
    needs = ("sentences",)
    adds = ("story",)
    version = "1"
    languages = None  # the encoder is multilingual; vectors are centred per language where the model can

    def __init__(self, **options):
        super().__init__(**options)
        self.model = None
        self.encoder = None

    def load(self) -> None:
        if self.model is None:
            from .. import stories

            self.model, self.encoder = stories.load(Path(self.options.get("model", stories.STORIES_DIR)),
                                                    Path(self.options.get("encoder", ENCODER_DIR)))

    def pipe(self, articles: Iterable[Article], batch_size: int = 32) -> Iterator[Article]:
        self.load()
        model, encoder = self.model, self.encoder
        assert model is not None and encoder is not None
        model_id = f"stories@{model.version}"
        for batch in batched(articles, batch_size):
            encode_missing(encoder, batch)  # nothing to do after the techniques analyser
            for art in batch:
                art.story = pack_vector(model.vector(model.story(art, encoder)), model_id)
                art.record("story", self.name, self.version, model=model_id)
                yield art
