package io.github.agentmemory.redis.recovery.journal;

import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;

import org.springframework.util.Assert;

/**
 * A write kept in the {@link RecoveryJournal}: the command data of the write, its
 * priority and when it was created. Nothing about the connection (host, password, TLS
 * settings) is part of an entry.
 *
 * @param sequence the entry's id: unique within a journal, and ordered as the writes were
 * issued ({@link RecoveryJournal#recover()} returns entries in this order)
 * @param priority the priority the write was issued with
 * @param write the write
 * @param createdEpochMillis when the write was issued, in milliseconds since the epoch
 * @author agent-memory-redis
 */
public record JournalEntry(long sequence, Priority priority, RedisWrite write, long createdEpochMillis) {

	/**
	 * Check the arguments.
	 */
	public JournalEntry {
		Assert.notNull(priority, "'priority' must not be null");
		Assert.notNull(write, "'write' must not be null");
	}

}
