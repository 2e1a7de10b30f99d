"""The local web console: a thin edge over the study, lab and protect parts."""
