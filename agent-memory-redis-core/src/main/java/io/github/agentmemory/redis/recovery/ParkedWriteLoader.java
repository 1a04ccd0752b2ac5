package io.github.agentmemory.redis.recovery;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.github.agentmemory.redis.command.DropReason;
import io.github.agentmemory.redis.recovery.PendingWrite.Handling;
import io.github.agentmemory.redis.recovery.PendingWrite.State;
import io.github.agentmemory.redis.recovery.journal.JournalEntry;
import io.github.agentmemory.redis.recovery.journal.RecoveryJournal;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.core.log.LogMessage;
import org.springframework.lang.Nullable;
import org.springframework.util.Assert;

/**
 * Loads parked writes ({@link ParkedWrites}) back before a replay round, journaled ones
 * in one read of the journal per batch, encoded ones decoded, and puts each into its
 * key's lane and the queue's in-memory lists: the processor then replays them like any
 * queued write, most important first.
 *
 * <p>
 * Parked writes are loaded most important first, each with every older parked write of
 * its key's hash ({@link ParkedWrites#toLoad}): when a write is loaded, no older parked
 * write of its key is left, so a loaded write never waits for a parked one (<b>I2</b>
 * with {@link PendingWrite#loaded}), and a write that waits behind parked writes of its
 * key's hash is eventually unblocked. A batch is loaded whole or not at all: when the
 * journal cannot be read, its encoded writes stay parked too.
 *
 * <p>
 * Memory stays bounded: writes are loaded only while fewer than a batch of queued writes
 * are in memory, and then up to {@link #LOAD_ROUNDS} batches, so that one read serves
 * several rounds. One exception keeps the queue from stalling: when a batch is in memory
 * but none of its keys can send (each waits behind parked writes of its key's hash, which
 * a hash collision can cause) and nothing of them is in flight, another batch is
 * loaded.
 *
 * @author agent-memory-redis
 */
final class ParkedWriteLoader {

	private static final Log logger = LogFactory.getLog(ParkedWriteLoader.class);

	/** Rounds' worth of writes loaded by one read. */
	static final int LOAD_ROUNDS = 4;

	private static final CompletableFuture<Void> NOTHING = CompletableFuture.completedFuture(null);

	private final KeyLanes lanes;

	private final RecoveryQueue queue;

	@Nullable
	private final RecoveryJournal journal;

	private final WriteOutcomes outcomes;

	private volatile boolean readFailing;

	ParkedWriteLoader(KeyLanes lanes, RecoveryQueue queue, @Nullable RecoveryJournal journal, WriteOutcomes outcomes) {
		this.lanes = lanes;
		this.queue = queue;
		this.journal = journal;
		this.outcomes = outcomes;
	}

	/**
	 * Load parked writes for the next replay round, if there are any and memory allows.
	 * @param limit the round's size
	 * @return completes once they are in their lanes (never exceptionally: a failed read
	 * leaves them parked for the next round)
	 */
	CompletableFuture<Void> load(int limit) {
		if (this.queue.parkedSize() == 0) {
			return NOTHING;
		}
		int inMemory = this.queue.inMemorySize();
		List<ParkedWrite> parked;
		if (inMemory < limit) {
			// a few rounds' worth at once: one read serves several rounds
			parked = this.queue.parkedToLoad(LOAD_ROUNDS * limit - inMemory);
		}
		else if (stalled(this.queue.keysToReplay(limit))) {
			parked = this.queue.parkedToLoad(limit);
		}
		else {
			return NOTHING;
		}
		if (parked.isEmpty()) {
			return NOTHING;
		}
		long[] ids = parked.stream().filter(ParkedWrite::journaled).mapToLong(ParkedWrite::id).toArray();
		if (ids.length == 0) {
			intoLanes(parked, List.of());
			return NOTHING;
		}
		Assert.state(this.journal != null, "A journaled write has a journal");
		return this.journal.read(ids).handle((entries, error) -> {
			if (error != null) {
				if (!this.readFailing) {
					this.readFailing = true;
					logger.warn(LogMessage.format("Cannot read %d queued writes back from the recovery journal for "
							+ "replay; they stay queued and are read again at the next round (logged once until a "
							+ "read succeeds)", ids.length), error);
				}
				return null;
			}
			this.readFailing = false;
			intoLanes(parked, entries);
			return null;
		});
	}

	/**
	 * Load every write parked encoded under the key's hash, at once (without a journal,
	 * parked writes are encoded: nothing to read), if a write of the key in memory waits
	 * behind them (a write without a priority or a {@code CRITICAL} one that arrived behind
	 * them, or a queued write that was not parked): it is then sent after them without
	 * waiting for the rounds that load parked writes most important first. Nothing is
	 * loaded for a key whose writes in memory were all loaded back (the processor's rounds
	 * replay such keys): loading the rest of each of their keys would bring the whole park
	 * back into memory within a few rounds, a scan of the park per key. Costs a scan of the
	 * parked writes, once per key with such a write: all of its hash's writes leave the
	 * park.
	 * @param key the key
	 */
	void loadKey(String key) {
		if (this.journal != null || this.queue.parkedSize() == 0) {
			return;
		}
		// the lane first: during a drain every key's writes were loaded back, and its lane
		// is at hand, where the park's table of key hashes is a cache miss
		KeyLane lane = this.lanes.get(key);
		if (lane == null) {
			return;
		}
		synchronized (lane) {
			if (!lane.newestWaitingNotLoaded()) {
				return;
			}
		}
		if (!this.queue.holdsParked(key)) {
			return;
		}
		intoLanes(this.queue.parkedOfHash(ParkedWrites.hash(key)), List.of());
	}

	/**
	 * Whether none of the keys can send and none has a write in flight: what waits in
	 * memory waits only for parked writes.
	 */
	private boolean stalled(List<String> keys) {
		for (String key : keys) {
			KeyLane lane = this.lanes.get(key);
			if (lane == null) {
				continue;
			}
			synchronized (lane) {
				if (lane.hasInFlight()) {
					return false;
				}
				PendingWrite head = lane.head();
				if (head != null && !head.undecided && head.state() == State.WAITING
						&& (head.loaded || !this.queue.holdsParked(key))) {
					return false;
				}
			}
		}
		return true;
	}

	private void intoLanes(List<ParkedWrite> parked, List<JournalEntry> entries) {
		Map<Long, JournalEntry> byId = new HashMap<>(entries.size() * 2);
		for (JournalEntry entry : entries) {
			byId.put(entry.sequence(), entry);
		}
		Effects effects = new Effects();
		for (ParkedWrite write : parked) {
			JournalEntry entry = write.journaled() ? byId.get(write.id()) : write.decoded();
			if (entry == null) {
				// still parked, but the journal no longer has it (a corrupt record): it is lost
				ParkedWrite lost = this.queue.removeParked(write.priority(), write.id());
				if (lost != null) {
					this.outcomes.droppedParked(List.of(lost), DropReason.JOURNAL_FAILED, effects);
				}
				continue;
			}
			intoLane(write, entry);
		}
		effects.run();
	}

	private void intoLane(ParkedWrite parked, JournalEntry entry) {
		PendingWrite write = new PendingWrite(entry.write(), Handling.of(parked.priority()), parked.priority(),
				parked.createdNanos(), null, null, null);
		// its journal id is its issue order: older than every write of its key in memory
		write.sequence = parked.id();
		write.journalId = parked.journaled() ? parked.id() : -1;
		write.attempts = parked.attempts();
		write.queued = true;
		write.loaded = true;
		write.settlement = parked.settlement();
		while (true) {
			KeyLane lane = this.lanes.getOrCreate(write.key());
			synchronized (lane) {
				if (lane.retired) {
					continue;
				}
				write.lane = lane;
				if (this.queue.unpark(write)) {
					lane.addWaiting(write);
				}
				this.lanes.retireIfIdle(lane);
			}
			return;
		}
	}

}
