package io.github.agentmemory.redis.chaos;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.github.agentmemory.redis.command.DropReason;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.command.WriteOutcome.Status;

/**
 * Every write the chaos load issued, with its first and final outcome.
 */
final class WriteHistory {

	private final ConcurrentLinkedQueue<Entry> entries = new ConcurrentLinkedQueue<>();

	Entry issued(String key, Kind kind, long version, Priority priority, String phase) {
		Entry entry = new Entry(key, kind, version, priority, phase);
		this.entries.add(entry);
		return entry;
	}

	List<Entry> entries() {
		return new ArrayList<>(this.entries);
	}

	Map<Status, Integer> finalStatuses() {
		Map<Status, Integer> counts = new EnumMap<>(Status.class);
		for (Entry entry : this.entries) {
			counts.merge(entry.finalStatus(), 1, Integer::sum);
		}
		return counts;
	}

	Map<DropReason, Integer> dropReasons() {
		Map<DropReason, Integer> counts = new EnumMap<>(DropReason.class);
		for (Entry entry : this.entries) {
			if (entry.finalOutcome != null && entry.finalOutcome.dropReason() != null) {
				counts.merge(entry.finalOutcome.dropReason(), 1, Integer::sum);
			}
		}
		return counts;
	}

	/**
	 * How many writes issued during a phase were not applied at once because of an error
	 * whose text contains the given words.
	 */
	long failedWith(String phase, String words) {
		return this.entries.stream()
			.filter((entry) -> entry.phase.equals(phase))
			.map((entry) -> (entry.firstCause != null) ? entry.firstCause
					: (entry.plainError != null) ? entry.plainError
							: (entry.finalOutcome != null) ? entry.finalOutcome.cause() : null)
			.filter((cause) -> cause != null && describe(cause).contains(words))
			.count();
	}

	private static String describe(Throwable error) {
		StringBuilder text = new StringBuilder();
		for (Throwable current = error; current != null; current = current.getCause()) {
			text.append(current.getClass().getSimpleName()).append(": ").append(current.getMessage()).append('\n');
		}
		return text.toString();
	}

	int queued() {
		return (int) this.entries.stream().filter((entry) -> entry.firstStatus == Status.QUEUED).count();
	}

	enum Kind {

		STRING, HASH, SORTED_SET

	}

	static final class Entry {

		final String key;

		final Kind kind;

		final long version;

		/** {@code null} for a write issued without a priority. */
		final Priority priority;

		/** The fault running when the write was issued. */
		final String phase;

		volatile Status firstStatus;

		/** Why the write was not applied at once, if it was not. */
		volatile Throwable firstCause;

		volatile WriteOutcome finalOutcome;

		/** For writes without a priority: whether the call completed normally. */
		volatile Boolean plainApplied;

		volatile Throwable plainError;

		Entry(String key, Kind kind, long version, Priority priority, String phase) {
			this.phase = phase;
			this.key = key;
			this.kind = kind;
			this.version = version;
			this.priority = priority;
		}

		boolean isSettled() {
			return (this.priority == null) ? this.plainApplied != null : this.finalOutcome != null;
		}

		Status finalStatus() {
			if (this.priority == null) {
				return (this.plainApplied == null) ? Status.QUEUED
						: this.plainApplied ? Status.APPLIED : Status.FAILED;
			}
			return (this.finalOutcome != null) ? this.finalOutcome.status() : Status.QUEUED;
		}

		boolean isAcknowledged() {
			return finalStatus() == Status.APPLIED;
		}

		@Override
		public String toString() {
			return this.kind + " " + this.key + " v" + this.version + " " + this.priority + " first=" + this.firstStatus
					+ " final=" + ((this.finalOutcome != null) ? this.finalOutcome : this.plainApplied);
		}

	}

}
