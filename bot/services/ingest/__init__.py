"""Reading from X: handle resolution, timeline polls, follower snapshots, refreshes, usage and archives."""
