package io.github.agentmemory.redis.recovery.journal;

/**
 * What an acknowledged append survives: the trade between durability and the cost of a
 * commit.
 *
 * @author agent-memory-redis
 */
public enum JournalSync {

	/**
	 * A commit reaches the operating system before it is acknowledged, but is not forced
	 * to the disk ({@code PRAGMA synchronous=NORMAL} in WAL mode): an acknowledged entry
	 * survives a crash or {@code kill -9} of the process, but the last commits may be
	 * lost when the machine loses power or the kernel crashes. The journal file itself
	 * stays consistent in both cases.
	 */
	PROCESS_CRASH,

	/**
	 * Every commit is forced to the disk ({@code fsync}) before it is acknowledged
	 * ({@code PRAGMA synchronous=FULL}): an acknowledged entry also survives a power loss
	 * or a kernel crash, provided the disk honours flushes. Each commit costs at least
	 * one disk flush; group commit spreads it over the batch.
	 */
	POWER_LOSS

}
