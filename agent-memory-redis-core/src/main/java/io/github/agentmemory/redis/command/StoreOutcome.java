package io.github.agentmemory.redis.command;

import java.util.List;

import org.springframework.util.Assert;

/**
 * What became of the writes of one store: each write's outcome, and the overall status,
 * which is the least good of them ({@code FAILED}, then {@code DROPPED}, then
 * {@code QUEUED}, then {@code APPLIED}).
 *
 * @param writes the outcome of each write, in order
 * @author agent-memory-redis
 */
public record StoreOutcome(List<WriteOutcome> writes) {

	/**
	 * Check and copy the outcomes.
	 */
	public StoreOutcome {
		Assert.notEmpty(writes, "'writes' must not be empty");
		writes = List.copyOf(writes);
	}

	/**
	 * The overall status: the least good of the writes' statuses.
	 * @return the status
	 */
	public WriteOutcome.Status status() {
		WriteOutcome.Status worst = WriteOutcome.Status.APPLIED;
		for (WriteOutcome outcome : this.writes) {
			if (rank(outcome.status()) > rank(worst)) {
				worst = outcome.status();
			}
		}
		return worst;
	}

	/**
	 * Whether every write was applied.
	 * @return whether the status is {@code APPLIED}
	 */
	public boolean isApplied() {
		return status() == WriteOutcome.Status.APPLIED;
	}

	private static int rank(WriteOutcome.Status status) {
		return switch (status) {
			case APPLIED -> 0;
			case QUEUED -> 1;
			case DROPPED -> 2;
			case FAILED -> 3;
		};
	}

}
