-- Addresses a request to end a session to the replica that holds it (the first request stays), kept for a lease.
-- KEYS[1]  the replica's end requests (a hash: session id to request);  ARGV[1]  the session id;  ARGV[2]  the
-- request ("<reason> <epoch ms>");  ARGV[3]  how long the requests are kept unread, ms
redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
