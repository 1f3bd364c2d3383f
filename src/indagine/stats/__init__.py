"""indagine's statistics engine: design-based survey estimates and anytime-valid sequences.

A pure package (numpy, scipy, polars; no Django). Modules: ``design`` (survey_design),
``estimates`` (mean, total, proportions, multiple_choice, quantile, by_segment), ``intervals``,
``likert``, ``crosstab`` (with the Rao-Scott test), ``weighting`` (rake, post_stratify, trim,
weighting_effect), ``sequences`` (normal_mixture, betting, betting_without_replacement,
asymptotic, consolidated), ``cli`` (``indagine stats``). See docs/stats.md.
"""
