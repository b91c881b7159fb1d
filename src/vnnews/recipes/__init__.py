"""Training recipes, one per model: config dataclass, data preparation, Trainer,
metrics. The models they train live in :mod:`vnnews.models`; the steps of each
recipe are the functions ``train/train_*.py`` call in order.

- :mod:`vnnews.recipes.classifier`: the page labeller (``ClassifierConfig``, ``train_classifier``);
- :mod:`vnnews.recipes.summarizer`: the summarizer (``SummarizerConfig``, ``train_summarizer``);
- :mod:`vnnews.recipes.common`: training knobs (every TrainingArguments field), precision, saving and pushing.
"""
