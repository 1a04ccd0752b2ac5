package io.github.agentmemory.redis.recovery;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

import io.github.agentmemory.redis.command.DropReason;
import io.github.agentmemory.redis.command.Priority;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.lang.Nullable;
import org.springframework.util.Assert;

/**
 * What happened to writes that could not be applied at once, counted once each
 * (<b>I5</b>): a queued write is enqueued once however often it is replayed, replayed
 * once when it is applied, dropped once with its reason; retries of writes that were
 * never queued are retries, not queue entries. Listeners (metrics) hear every count.
 *
 * @author agent-memory-redis
 */
public final class RecoveryCounters {

	private static final Log logger = LogFactory.getLog(RecoveryCounters.class);

	private final LongAdder[] enqueued = adders(Priority.values().length);

	private final LongAdder[] replayed = adders(Priority.values().length);

	private final LongAdder[] dropped = adders(DropReason.values().length);

	private final LongAdder retries = new LongAdder();

	private final List<RecoveryListener> listeners = new CopyOnWriteArrayList<>();

	/**
	 * Register a listener.
	 * @param listener the listener
	 */
	public void addListener(RecoveryListener listener) {
		Assert.notNull(listener, "'listener' must not be null");
		this.listeners.add(listener);
	}

	void enqueued(Priority priority) {
		this.enqueued[priority.ordinal()].increment();
		notifyListeners((listener) -> listener.enqueued(priority));
	}

	void replayed(Priority priority) {
		this.replayed[priority.ordinal()].increment();
		notifyListeners((listener) -> listener.replayed(priority));
	}

	void dropped(Priority priority, DropReason reason) {
		this.dropped[reason.ordinal()].increment();
		notifyListeners((listener) -> listener.dropped(priority, reason));
	}

	void retried(@Nullable Priority priority) {
		this.retries.increment();
		notifyListeners((listener) -> listener.retried(priority));
	}

	RecoveryStats snapshot(Map<Priority, Integer> sizes) {
		Map<DropReason, Long> droppedByReason = new EnumMap<>(DropReason.class);
		for (DropReason reason : DropReason.values()) {
			droppedByReason.put(reason, this.dropped[reason.ordinal()].sum());
		}
		return new RecoveryStats(sizes, byPriority(this.enqueued), byPriority(this.replayed), droppedByReason,
				this.retries.sum());
	}

	private void notifyListeners(Consumer<RecoveryListener> event) {
		for (RecoveryListener listener : this.listeners) {
			try {
				event.accept(listener);
			}
			catch (RuntimeException ex) {
				logger.warn("Recovery listener failed", ex);
			}
		}
	}

	private static Map<Priority, Long> byPriority(LongAdder[] adders) {
		Map<Priority, Long> result = new EnumMap<>(Priority.class);
		for (Priority priority : Priority.values()) {
			result.put(priority, adders[priority.ordinal()].sum());
		}
		return result;
	}

	private static LongAdder[] adders(int count) {
		LongAdder[] adders = new LongAdder[count];
		for (int i = 0; i < count; i++) {
			adders[i] = new LongAdder();
		}
		return adders;
	}

}
