package io.github.agentmemory.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.agentmemory.redis.test.SilentServer;
import io.github.agentmemory.redis.resilience.ResilienceScheduler;
import io.github.agentmemory.redis.test.RedisServerExtension;
import io.github.agentmemory.redis.test.TemplateContexts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The connection the template sends its commands on, against a real Redis.
 */
@ExtendWith(OutputCaptureExtension.class)
class LettuceNativeConnectionIntegrationTests {

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension();

	@Test
	void callsMadeWhileTheConnectionOpensAreSentInIssueOrder() {
		TemplateContexts.runner(redis).run((context) -> {
			AsyncResilientRedisTemplate template = context.getBean(AsyncResilientRedisTemplate.class);
			// nothing is connected yet: every call waits for the same connection attempt
			List<CompletableFuture<Boolean>> sets = new ArrayList<>();
			for (int i = 0; i < 200; i++) {
				sets.add(template.set("k", String.valueOf(i)));
			}
			CompletableFuture.allOf(sets.toArray(CompletableFuture[]::new)).join();
			assertThat(redis.admin().get("k")).as("the last write issued").isEqualTo("199");
		});
	}

	@Test
	void hangingConnectionAttemptDoesNotHoldUpTheScheduler() throws Exception {
		try (SilentServer silent = new SilentServer()) {
			TemplateContexts.runner()
				.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + silent.port(),
						"spring.data.redis.connect-timeout=3s", "spring.data.redis.timeout=3s",
						"agent-memory.redis.scheduler.pool-size=1")
				.run((context) -> {
					AsyncResilientRedisTemplate template = context.getBean(AsyncResilientRedisTemplate.class);
					CompletableFuture<?> call = template.get("k");
					await().atMost(Duration.ofSeconds(5)).until(() -> !silent.accepted().isEmpty());
					assertThat(connectThreads()).as("the attempt's thread").hasSize(1);
					// the attempt hangs on a server that never answers; the single scheduler
					// thread, which runs retries, deadlines and recovery rounds, stays free
					long scheduled = System.nanoTime();
					long ran = context.getBean(ResilienceScheduler.class)
						.getExecutor()
						.schedule(System::nanoTime, 0, TimeUnit.MILLISECONDS)
						.get(2, TimeUnit.SECONDS);
					// less than the 3 s the attempt hangs for
					assertThat(Duration.ofNanos(ran - scheduled)).isLessThan(Duration.ofSeconds(2));
					assertThat(call).as("still waiting for the attempt").isNotDone();
				});
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(connectThreads()).as("stopped on close").isEmpty());
		}
	}

	@Test
	void connectionWarningNamesTheAddressButNotThePassword(CapturedOutput output) {
		int port = RedisServerExtension.freePort();
		TemplateContexts.runner()
			.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + port,
					"spring.data.redis.password=not-to-be-logged")
			.run((context) -> {
				AsyncResilientRedisTemplate template = context.getBean(AsyncResilientRedisTemplate.class);
				assertThat(template.get("k")).failsWithin(Duration.ofSeconds(5));
				await().atMost(Duration.ofSeconds(5))
					.untilAsserted(() -> assertThat(output).contains("Could not connect to Redis at 127.0.0.1:" + port));
			});
		assertThat(output).doesNotContain("not-to-be-logged");
	}

	private static List<Thread> connectThreads() {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.isAlive() && thread.getName().equals(LettuceNativeConnection.CONNECT_THREAD_NAME))
			.toList();
	}

}
