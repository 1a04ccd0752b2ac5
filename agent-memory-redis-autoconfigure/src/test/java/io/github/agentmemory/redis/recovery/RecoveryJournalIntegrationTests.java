package io.github.agentmemory.redis.recovery;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.command.DropReason;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.SetOptions;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.command.WriteOutcome.Status;
import io.github.agentmemory.redis.recovery.journal.RecoveryJournal;
import io.github.agentmemory.redis.test.RedisServerExtension;
import io.github.agentmemory.redis.test.TemplateContexts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The recovery journal wired into the write path, against a real Redis: queued writes
 * survive a restart of the application (the crash case, with a JVM killed by SIGKILL, is
 * in {@code RecoveryJournalCrashIntegrationTests}).
 */
@ExtendWith(OutputCaptureExtension.class)
class RecoveryJournalIntegrationTests {

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension();

	private static final Duration PATIENCE = Duration.ofSeconds(20);

	@TempDir
	Path journalDirectory;

	private ApplicationContextRunner runner() {
		return TemplateContexts.runner(redis)
			.withPropertyValues("agent-memory.redis.circuit-breaker.failure-threshold=1",
					"agent-memory.redis.circuit-breaker.wait-duration-in-open-state=300ms",
					"agent-memory.redis.fail-fast.max-reconnect-delay=100ms",
					"agent-memory.redis.recovery.poll-interval=100ms", "agent-memory.redis.retry.max-attempts=1",
					"agent-memory.redis.recovery.shutdown-timeout=200ms",
					"agent-memory.redis.recovery.journal.enabled=true",
					"agent-memory.redis.recovery.journal.path=" + this.journalDirectory);
	}

	@Test
	void queuedWritesLeftAtShutdownAreHandedOverToTheJournalAndAppliedByTheNextStartInKeyOrder(
			CapturedOutput output) {
		List<CompletableFuture<WriteOutcome>> settlements = new ArrayList<>();
		runner().run((context) -> {
			AsyncResilientRedisTemplate template = context.getBean(AsyncResilientRedisTemplate.class);
			template.ping().join();
			redis.stop();
			for (int i = 0; i < 50; i++) {
				WriteOutcome outcome = template.write(RedisWrite.set("k" + (i % 5), "v" + i), Priority.NORMAL).join();
				assertThat(outcome.status()).isEqualTo(Status.QUEUED);
				settlements.add(outcome.settlement());
			}
			assertThat(context.getBean(RecoveryJournal.class).stats().entries()).isEqualTo(50);
		});
		assertThat(settlements).allSatisfy((settlement) -> assertThat(settlement.join().dropReason())
			.isEqualTo(DropReason.HANDED_OVER));
		assertThat(output).contains("the recovery journal keeps them and the next start replays them");
		redis.start();
		runner().run((context) -> {
			AsyncResilientRedisTemplate template = context.getBean(AsyncResilientRedisTemplate.class);
			// a write made now to a key with journaled writes waits behind them
			template.set("k0", "newest").join();
			await().atMost(PATIENCE).until(() -> template.recoveryStats().totalSize() == 0
					&& context.getBean(RecoveryJournal.class).stats().entries() == 0);
			assertThat(redis.admin().get("k0")).isEqualTo("newest");
			for (int k = 1; k < 5; k++) {
				assertThat(redis.admin().get("k" + k)).as("the last write to k%d", k).isEqualTo("v" + (45 + k));
			}
			assertThat(template.recoveryStats().replayed()).containsEntry(Priority.NORMAL, 50L);
		});
		assertThat(output).contains("Took back 50 queued writes that the recovery journal kept");
	}

	@Test
	void writeThatIsNotIdempotentIsQueuedInMemoryOnly() {
		runner().run((context) -> {
			AsyncResilientRedisTemplate template = context.getBean(AsyncResilientRedisTemplate.class);
			template.ping().join();
			redis.stop();
			WriteOutcome outcome = template
				.write(RedisWrite.set("nx", "v", SetOptions.builder().ifAbsent().build()), Priority.HIGH)
				.join();
			assertThat(outcome.status()).isEqualTo(Status.QUEUED);
			assertThat(context.getBean(RecoveryJournal.class).stats().entries()).isZero();
			redis.start();
			assertThat(outcome.settlement().get().status()).isEqualTo(Status.APPLIED);
		});
	}

	@Test
	void fullJournalDropsTheWriteAsJournalFullAndCountsIt() {
		runner().withPropertyValues("agent-memory.redis.recovery.journal.max-entries=2").run((context) -> {
			AsyncResilientRedisTemplate template = context.getBean(AsyncResilientRedisTemplate.class);
			template.ping().join();
			redis.stop();
			template.write(RedisWrite.set("a", "v"), Priority.HIGH).join();
			template.write(RedisWrite.set("b", "v"), Priority.HIGH).join();
			WriteOutcome third = template.write(RedisWrite.set("c", "v"), Priority.HIGH).join();
			assertThat(third.status()).isEqualTo(Status.DROPPED);
			assertThat(third.dropReason()).isEqualTo(DropReason.JOURNAL_FULL);
			assertThat(template.recoveryStats().dropped()).containsEntry(DropReason.JOURNAL_FULL, 1L);
			assertThat(template.recoveryStats().totalSize()).isEqualTo(2);
			redis.start();
		});
	}

}
