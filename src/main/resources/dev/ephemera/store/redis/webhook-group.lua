-- Makes the event log's consumer group (and the log) unless it exists; 1 either way.
-- KEYS[1]  the event log (a stream);  ARGV[1]  the group
pcall(redis.call, 'XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM')
return 1
