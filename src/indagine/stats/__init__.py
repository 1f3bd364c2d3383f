"""indagine's statistics engine: design-based survey estimates and anytime-valid sequences.

A pure package (numpy, scipy, polars; no Django). Modules: ``design`` (survey_design),
``estimates`` (mean, total, proportions, multiple_choice, quantile, by_segment), ``intervals``,
``likert``, ``crosstab`` (with the Rao-Scott test), ``weighting`` (rake, post_stratify, trim,
weighting_effect), ``sequences`` (normal_mixture, betting, betting_without_replacement,
asymptotic, consolidated), ``instances`` (statistics over a repeat's instances, the response
their cluster: instances_per_response, instance_proportions, instance_multiple_choice,
instance_mean), ``cli`` (``indagine stats``). See docs/stats.md.
"""
