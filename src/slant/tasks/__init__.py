"""The shared tasks slant trains on, is scored on and writes submissions for, in one package.

- :mod:`.corpora`: readers of the annotated corpora under ``../shared/data`` (``--data``, ``SLANT_DATA``);
- :mod:`.scoring`: the tasks' official scoring rules, on plain data;
- :mod:`.evaluation`: ``slant eval TASK`` (the registry ``EVALUATORS``);
- :mod:`.formats`: ``slant predict FORMAT`` (the registry ``PREDICTORS``);
- one module per task family, with its evaluation and its submission files: :mod:`.techniques`
  (SemEval-2023 Task 3 subtask 3, SemEval-2020 Task 11), :mod:`.doclabels` (genre, frames,
  narratives), :mod:`.subjectivity` (CheckThat! 2025 Task 1), :mod:`.claims` (CheckThat! 2024 Task 1), :mod:`.roles` (SemEval-2025 Task 10
  subtask 1), :mod:`.quotes` (PolNeAR attribution, and slant's own quote gold set), :mod:`.llm` (an LLM scored beside the
  shipped models), :mod:`.corrections` (the analysts' corrections as gold, training data and task files).

Imports run one way: the registries import the task modules, the task modules import ``corpora``
and ``scoring``, and nothing outside this package but the CLI, the trainers, the benches and
``slant export --format corrections`` imports it. Analysers never do: reading an article needs none of this.
"""
