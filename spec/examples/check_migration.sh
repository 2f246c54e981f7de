# Before migrating: which schema version can the two devices use, and does every
# migration parameter of the source work on the destination?
devstate negotiate --source source.json --dest dest-rss.json
devstate check-migration --source source.json --dest dest-rss.json

# A destination without RSS cannot take this source: exit status 1, every reason named.
devstate check-migration --source source.json --dest dest.json || echo "exit status $?"
