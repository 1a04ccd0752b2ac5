package io.github.agentmemory.redis.recovery;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

import io.github.agentmemory.redis.command.DropReason;
import io.github.agentmemory.redis.command.Priority;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.core.log.LogMessage;
import org.springframework.lang.Nullable;

/**
 * Logs dropped writes at most once per ten seconds for each pair of priority and reason,
 * with the number of such drops since that pair's last line: an outage under load does
 * not flood the log, and a {@code CRITICAL} drop is never folded into a summary of
 * {@code LOW} ones (every drop is counted in the metrics anyway).
 *
 * @author agent-memory-redis
 */
final class DropLog {

	private static final Log logger = LogFactory.getLog(DropLog.class);

	private static final long INTERVAL = TimeUnit.SECONDS.toNanos(10);

	private final LongSupplier nanoTime;

	private final int capacity;

	private final AtomicLong[] lastLogged;

	private final LongAdder[] unlogged;

	DropLog(LongSupplier nanoTime, int capacity) {
		this.nanoTime = nanoTime;
		this.capacity = capacity;
		int slots = Priority.values().length * DropReason.values().length;
		this.lastLogged = new AtomicLong[slots];
		this.unlogged = new LongAdder[slots];
		long start = nanoTime.getAsLong() - INTERVAL;
		for (int i = 0; i < slots; i++) {
			this.lastLogged[i] = new AtomicLong(start);
			this.unlogged[i] = new LongAdder();
		}
	}

	void dropped(PendingWrite write, DropReason reason, @Nullable Throwable cause) {
		dropped(write.queuePriority(), write, reason, cause);
	}

	void dropped(Priority priority, Object write, DropReason reason, @Nullable Throwable cause) {
		if (!logger.isWarnEnabled()) {
			return;
		}
		int slot = priority.ordinal() * DropReason.values().length + reason.ordinal();
		long now = this.nanoTime.getAsLong();
		long last = this.lastLogged[slot].get();
		if (now - last < INTERVAL || !this.lastLogged[slot].compareAndSet(last, now)) {
			this.unlogged[slot].increment();
			return;
		}
		long more = this.unlogged[slot].sumThenReset();
		logger.warn(LogMessage.format("Dropped %s: %s%s%s", write, why(reason),
				(cause != null) ? " (" + cause.getMessage() + ")" : "",
				(more > 0) ? "; " + more + " more " + priority + " writes dropped for the same reason since the last "
						+ "such line (see agent.memory.redis.recovery.dropped)" : ""));
	}

	private String why(DropReason reason) {
		return switch (reason) {
			case CAPACITY -> "the recovery queue is full (capacity " + this.capacity + ")";
			case LOW_PRIORITY -> "LOW priority writes are not retried";
			case EXPIRED -> "it waited longer than agent-memory.redis.recovery.max-age";
			case ATTEMPTS_EXHAUSTED -> "its replays failed agent-memory.redis.recovery.max-attempts times";
			case SUPERSEDED -> "a later write to its key overwrote it";
			case SHUTDOWN -> "the application shut down before Redis took it";
			default -> reason.name();
		};
	}

}
