"""The model: what every other part of approvald speaks about.

Actions (`actions`), decision words and approval states (`decisions`), audit records and event
names (`records`, `events`), analysis limits (`limits`) and time stamps (`clock`). Standard
library only, and nothing here imports another approvald package: this is the bottom layer.
"""
