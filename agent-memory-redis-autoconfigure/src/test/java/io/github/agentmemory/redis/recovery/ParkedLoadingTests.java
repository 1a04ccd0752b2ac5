package io.github.agentmemory.redis.recovery;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.github.agentmemory.redis.command.DropReason;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.command.WriteOutcome.Status;
import io.github.agentmemory.redis.recovery.WritePathFixture.Send;
import io.github.agentmemory.redis.recovery.WriteSequencerLincheckTests.Race;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Loading writes parked encoded (no journal) back into memory: a replay round takes back
 * no more than its batches, whatever the keys, and a key is loaded whole only for a write
 * that waits behind its parked writes, also while a round loads at the same time; each
 * key's writes are sent in issue order.
 */
class ParkedLoadingTests {

	private static final Log logger = LogFactory.getLog(ParkedLoadingTests.class);

	@Test
	void replayRoundsKeepAtMostTheirBatchesOfParkedWritesInMemoryAndReplayEachKeyInOrder() {
		WritePathFixture fixture = new WritePathFixture(1_000);
		int keys = 50;
		int writesPerKey = 10;
		List<CompletableFuture<WriteOutcome>> outcomes = new ArrayList<>();
		// round-robin over the keys: each key's writes are spread over the whole park
		for (int value = 0; value < writesPerKey; value++) {
			for (int key = 0; key < keys; key++) {
				outcomes.add(fixture.sequencer.write(RedisWrite.set("key:" + key, Integer.toString(value)),
						Priority.NORMAL, null));
				if (value == 0) {
					fixture.sender.next().fail(WritePathFixture.notConnected());
				}
			}
		}
		assertThat(fixture.queue.parkedSize()).isEqualTo(keys * writesPerKey);
		int limit = 10;
		Map<String, List<String>> applied = new HashMap<>();
		for (int round = 0; round < 1_000 && fixture.queue.size() > 0; round++) {
			fixture.sequencer.loadParked(limit).join();
			fixture.sequencer.replayBatch(fixture.queue.keysToReplay(limit));
			assertThat(fixture.queue.inMemorySize() + fixture.sender.inFlight().size())
				.as("writes in memory after round %d", round)
				.isLessThanOrEqualTo(ParkedWriteLoader.LOAD_ROUNDS * limit);
			for (Send send = fixture.sender.poll(); send != null; send = fixture.sender.poll()) {
				RedisWrite.Set set = (RedisWrite.Set) send.write();
				applied.computeIfAbsent(set.key(), (key) -> new ArrayList<>()).add(set.value());
				send.succeed();
			}
		}
		assertThat(fixture.queue.size()).isZero();
		List<String> inIssueOrder = new ArrayList<>();
		for (int value = 0; value < writesPerKey; value++) {
			inIssueOrder.add(Integer.toString(value));
		}
		for (int key = 0; key < keys; key++) {
			assertThat(applied.get("key:" + key)).as("key:%d", key).isEqualTo(inIssueOrder);
		}
		assertThat(outcomes).allSatisfy((outcome) -> assertThat(outcome.join().settlement().join().status())
			.isEqualTo(Status.APPLIED));
	}

	@Test
	void writeWithoutPriorityArrivingBehindParkedWritesIsSentRightAfterThem() {
		WritePathFixture fixture = new WritePathFixture(100);
		CompletableFuture<WriteOutcome> first = fixture.sequencer.write(RedisWrite.set("k", "1"), Priority.NORMAL,
				null);
		fixture.sender.next().fail(WritePathFixture.notConnected());
		CompletableFuture<WriteOutcome> second = fixture.sequencer.write(RedisWrite.set("k", "2"), Priority.HIGH,
				null);
		assertThat(fixture.queue.parkedSize()).isEqualTo(2);
		CompletableFuture<Object> call = fixture.sequencer.write(RedisWrite.set("k", "3"));
		// no replay round: the parked writes of its key were loaded for it
		assertThat(fixture.queue.parkedSize()).isZero();
		List<String> sent = new ArrayList<>();
		for (Send send = fixture.sender.poll(); send != null; send = fixture.sender.poll()) {
			sent.add(((RedisWrite.Set) send.write()).value());
			send.succeed();
		}
		assertThat(sent).containsExactly("1", "2", "3");
		assertThat(first.join().settlement().join().status()).isEqualTo(Status.APPLIED);
		assertThat(second.join().settlement().join().status()).isEqualTo(Status.APPLIED);
		assertThat(call).isCompletedWithValue("OK");
	}

	@Test
	void queuedWriteTrimmedByALaterAppliedOneEndsNamingTheCallersWrite() {
		WritePathFixture fixture = new WritePathFixture(100);
		RedisWrite both = RedisWrite.hset("k", Map.of("a", "1", "b", "2"));
		CompletableFuture<WriteOutcome> first = fixture.sequencer.write(both, Priority.HIGH, null);
		CompletableFuture<WriteOutcome> later = fixture.sequencer.write(RedisWrite.hset("k", Map.of("a", "3")),
				Priority.HIGH, null);
		Send sentFirst = fixture.sender.next();
		Send sentLater = fixture.sender.next();
		sentFirst.fail(WritePathFixture.timeout());
		sentLater.succeed();
		assertThat(later.join().status()).isEqualTo(Status.APPLIED);
		assertThat(first.join().status()).isEqualTo(Status.QUEUED);
		assertThat(first.join().write()).isSameAs(both);
		// only what is left of it (field b) is replayed, but its outcomes name the caller's write
		fixture.sequencer.loadParked(10).join();
		fixture.sequencer.replay("k", false);
		Send replayed = fixture.sender.next();
		assertThat(replayed.write()).isEqualTo(RedisWrite.hset("k", Map.of("b", "2")));
		replayed.succeed();
		WriteOutcome applied = first.join().settlement().getNow(null);
		assertThat(applied).isNotNull();
		assertThat(applied.status()).isEqualTo(Status.APPLIED);
		assertThat(applied.write()).isSameAs(both);
	}

	@Test
	void queuedWriteTrimmedByALaterAppliedOneGivenUpAtShutdownNamesTheCallersWrite() {
		WritePathFixture fixture = new WritePathFixture(100);
		RedisWrite both = RedisWrite.hset("k", Map.of("a", "1", "b", "2"));
		CompletableFuture<WriteOutcome> first = fixture.sequencer.write(both, Priority.HIGH, null);
		fixture.sequencer.write(RedisWrite.hset("k", Map.of("a", "3")), Priority.HIGH, null);
		Send sentFirst = fixture.sender.next();
		Send sentLater = fixture.sender.next();
		sentFirst.fail(WritePathFixture.timeout());
		sentLater.succeed();
		assertThat(first.join().status()).isEqualTo(Status.QUEUED);
		fixture.sequencer.close();
		// Redis just applied the key's previous write: what is left of it may be on its way again
		for (Send send = fixture.sender.poll(); send != null; send = fixture.sender.poll()) {
			send.fail(WritePathFixture.notConnected());
		}
		WriteOutcome dropped = first.join().settlement().getNow(null);
		assertThat(dropped).isNotNull();
		assertThat(dropped.dropReason()).isEqualTo(DropReason.SHUTDOWN);
		assertThat(dropped.write()).isSameAs(both);
	}

	/**
	 * A replay round's load (most important first, with the older writes of their keys)
	 * races the load of a whole key for a write without a priority that arrives behind its
	 * parked writes: each key's writes are still sent in issue order, each parked write
	 * once.
	 */
	@Test
	void roundLoadRacingTheLoadOfAKeyForAWaitingCallKeepsEachKeyInIssueOrder() throws Exception {
		Priority[] priorities = { Priority.NORMAL, Priority.HIGH, Priority.NORMAL, Priority.HIGH, Priority.HIGH };
		try (Race race = new Race()) {
			int iterations = race.repeat(() -> {
				WritePathFixture fixture = new WritePathFixture(100);
				for (String key : List.of("a", "b")) {
					for (int value = 0; value < priorities.length; value++) {
						fixture.sequencer.write(RedisWrite.set(key, Integer.toString(value)), priorities[value], null);
						if (value == 0) {
							fixture.sender.next().fail(WritePathFixture.notConnected());
						}
					}
				}
				if (fixture.queue.parkedSize() != 2 * priorities.length) {
					throw new AssertionError("Not all parked: " + fixture.queue.parkedSize());
				}
				CompletableFuture<Object>[] call = new CompletableFuture[1];
				race.run(() -> fixture.sequencer.loadParked(1),
						() -> call[0] = fixture.sequencer.write(RedisWrite.set("a", "call")));
				Map<String, List<String>> sent = new HashMap<>();
				for (int round = 0; round < 100 && (fixture.queue.size() > 0 || !call[0].isDone()); round++) {
					fixture.sequencer.loadParked(2).join();
					fixture.sequencer.replayBatch(fixture.queue.keysToReplay(2));
					fixture.sequencer.replay("a", false);
					for (Send send = fixture.sender.poll(); send != null; send = fixture.sender.poll()) {
						RedisWrite.Set set = (RedisWrite.Set) send.write();
						sent.computeIfAbsent(set.key(), (key) -> new ArrayList<>()).add(set.value());
						send.succeed();
					}
				}
				List<String> issued = new ArrayList<>();
				for (int value = 0; value < priorities.length; value++) {
					issued.add(Integer.toString(value));
				}
				List<String> issuedToA = new ArrayList<>(issued);
				issuedToA.add("call");
				if (!sent.get("a").equals(issuedToA) || !sent.get("b").equals(issued)) {
					throw new AssertionError("Not in issue order: " + sent);
				}
				if (fixture.queue.size() != 0 || !call[0].isDone()) {
					throw new AssertionError("Not drained: " + fixture.queue.size());
				}
				fixture.sequencer.close();
			});
			logger.info("round load racing a key's load: " + iterations + " races");
		}
	}

}
