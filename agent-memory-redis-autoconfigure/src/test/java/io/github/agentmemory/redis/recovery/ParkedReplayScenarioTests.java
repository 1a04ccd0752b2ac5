package io.github.agentmemory.redis.recovery;

import java.util.concurrent.CompletableFuture;

import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.command.WriteOutcome.Status;
import io.github.agentmemory.redis.recovery.HeldJournal.ReadAnswer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Parking and loading back with a journal whose answers the test gives, step by step.
 */
class ParkedReplayScenarioTests {

	private final HeldJournal journal = new HeldJournal();

	private final WritePathFixture fixture = new WritePathFixture(10, WritePathFixture.MAX_QUEUED_ATTEMPTS, this.journal);

	@Test
	void aQueuedWriteIsParkedOnceJournaledAndReplayedOnceLoadedBack() {
		CompletableFuture<WriteOutcome> outcome = this.fixture.sequencer.write(RedisWrite.set("k", "1"), Priority.HIGH,
				null);
		this.fixture.sender.next().fail(WritePathFixture.notConnected());
		assertThat(outcome).isNotDone();
		this.journal.answerAppend(0, true);
		assertThat(outcome.join().status()).isEqualTo(Status.QUEUED);
		assertThat(this.fixture.queue.parkedSize()).isEqualTo(1);
		this.fixture.sequencer.loadParked(10);
		this.journal.answerRead(0, ReadAnswer.FOUND);
		assertThat(this.fixture.queue.parkedSize()).isZero();
		assertThat(this.fixture.sequencer.replay("k", false)).isNotNull();
		this.fixture.sender.next().succeed();
		assertThat(outcome.join().settlement().join().status()).isEqualTo(Status.APPLIED);
		assertThat(this.journal.entries).isEmpty();
	}

}
