package io.github.agentmemory.redis.recovery.journal;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.SetOptions;
import io.github.agentmemory.redis.command.ZAddOptions;

/**
 * Entries for journal tests: a mix of every write, deterministic per sequence.
 */
final class JournalTestEntries {

	private JournalTestEntries() {
	}

	static JournalEntry entry(long sequence) {
		String key = "agent:" + (sequence % 97) + ":k";
		RedisWrite write = switch ((int) (sequence % 7)) {
			case 0 -> RedisWrite.set(key, "value-" + sequence, SetOptions.ttl(Duration.ofSeconds(30)));
			case 1 -> RedisWrite.delete(key);
			case 2 -> RedisWrite.expire(key, Duration.ofMinutes(5));
			case 3 -> RedisWrite.hset(key, Map.of("position", "x" + sequence, "health", "100"));
			case 4 -> RedisWrite.hdel(key, List.of("position"));
			case 5 -> RedisWrite.zadd(key, Map.of("memory-" + sequence, (double) sequence), ZAddOptions.none());
			default -> RedisWrite.zrem(key, List.of("memory-" + (sequence - 1)));
		};
		Priority priority = (sequence % 3 == 0) ? Priority.HIGH : Priority.NORMAL;
		return new JournalEntry(sequence, priority, write, 1_700_000_000_000L + sequence);
	}

}
