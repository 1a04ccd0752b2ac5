package io.github.agentmemory.redis.recovery;

import java.util.concurrent.CompletableFuture;

import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.WriteOutcome;

import io.github.agentmemory.redis.recovery.journal.JournalCodec;
import io.github.agentmemory.redis.recovery.journal.JournalEntry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.core.log.LogMessage;
import org.springframework.lang.Nullable;
import org.springframework.util.Assert;

/**
 * A parked queued write (see {@link ParkedWrites}), as it is taken out of the queue: to be
 * loaded back for replay or given up. Its payload is either in the recovery journal only
 * or held encoded ({@link #payload()}). Short-lived: the queue keeps its fields in arrays,
 * not this object.
 *
 * @param id its sequence, which is its issue order among the writes of its key (and, for a
 * journaled write, its journal entry's sequence)
 * @param priority its priority
 * @param createdNanos when it was issued (monotonic nanoseconds)
 * @param attempts its own failed sends so far
 * @param settlement completes with its final outcome; {@code null} for a write taken back
 * from the journal at startup, which nobody was told about in this run
 * @author agent-memory-redis
 */
record ParkedWrite(long id, Priority priority, long createdNanos, int attempts,
		@Nullable CompletableFuture<WriteOutcome> settlement, @Nullable byte[] payload) {

	private static final Log logger = LogFactory.getLog(ParkedWrite.class);

	/**
	 * Whether its payload is in the recovery journal (not held in memory): then it is
	 * handed over to the next start at shutdown.
	 * @return whether it is journaled
	 */
	boolean journaled() {
		return this.payload == null;
	}

	/**
	 * Its write, decoded from the payload held in memory. The queue's own encoding that
	 * does not decode is a bug: logged, and the write is then given up rather than
	 * replayed wrongly.
	 * @return the entry, or {@code null} if the payload does not decode
	 */
	@Nullable
	JournalEntry decoded() {
		Assert.state(this.payload != null, "A journaled write's payload is in the journal");
		try {
			return JournalCodec.decode(this.payload);
		}
		catch (IllegalArgumentException ex) {
			logger.error(LogMessage.format("Cannot decode queued write %s; it is given up", this), ex);
			return null;
		}
	}

	@Override
	public String toString() {
		return this.priority + " #" + this.id + (journaled() ? " (journaled, not in memory)" : " (parked, encoded)");
	}

}
