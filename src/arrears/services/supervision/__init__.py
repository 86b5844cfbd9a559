"""The supervisor's view of the floor: teams, targets, the day's figures and queue depths."""
