"""Pure values of the app: rows and tallies, periods, Romanian wording, the
clock. Nothing here imports Flask, storage or any other part of the app."""
