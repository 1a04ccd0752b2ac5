package io.github.agentmemory.redis.autoconfigure;

import java.time.Duration;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.ResilientRedisTemplate;
import io.github.agentmemory.redis.resilience.RedisCircuitBreakers;
import io.github.agentmemory.redis.resilience.RetryPolicy;
import io.github.agentmemory.redis.ResilientRedisConnection;
import io.github.agentmemory.redis.command.StoreFunction;
import io.github.agentmemory.redis.recovery.RecoveryQueue;
import io.github.agentmemory.redis.recovery.WriteSequencer;
import io.github.agentmemory.redis.resilience.ResilienceScheduler;
import io.github.agentmemory.redis.resilience.ResilientCommandExecutor;
import io.github.agentmemory.redis.test.TemplateContexts;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.agentmemory.redis.test.BootLine;
import io.lettuce.core.ClientOptions.DisconnectedBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

/**
 * Tests for {@link AgentMemoryRedisAutoConfiguration}. None of them needs a running
 * Redis: the auto-configuration never connects at startup.
 */
class AgentMemoryRedisAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = TemplateContexts.runner()
		.withPropertyValues("spring.data.redis.port=1");

	@Test
	void runShouldCreateTemplatesWithoutConnecting() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(AsyncResilientRedisTemplate.class)
				.hasSingleBean(ResilientRedisTemplate.class)
				.hasSingleBean(ResilientCommandExecutor.class)
				.hasSingleBean(ResilienceScheduler.class);
			assertThat(context.getBean(ResilientRedisTemplate.class).async())
				.isSameAs(context.getBean(AsyncResilientRedisTemplate.class));
		});
	}

	@Test
	void defaultsShouldMatchTheSpec() {
		this.contextRunner.run((context) -> {
			AgentMemoryRedisProperties properties = context.getBean(AgentMemoryRedisProperties.class);
			assertThat(properties.isEnabled()).isTrue();
			assertThat(properties.getCircuitBreaker().getFailureThreshold()).isEqualTo(3);
			assertThat(properties.getCircuitBreaker().getWaitDurationInOpenState()).isEqualTo(Duration.ofSeconds(300));
			assertThat(properties.getCircuitBreaker().getPermittedCallsInHalfOpenState()).isEqualTo(1);
			assertThat(properties.getRetry().getMaxAttempts()).as("the first try and 3 retries").isEqualTo(4);
			assertThat(properties.getRetry().getInitialInterval()).isEqualTo(Duration.ofMillis(500));
			assertThat(properties.getRetry().getMultiplier()).isEqualTo(2.0);
			assertThat(properties.getRetry().getMaxInterval()).isEqualTo(Duration.ofSeconds(30));
			ResilientCommandExecutor executor = context.getBean(ResilientCommandExecutor.class);
			CircuitBreakerConfig breaker = executor.getCircuitBreaker().getCircuitBreakerConfig();
			assertThat(executor.getCircuitBreaker().getName()).isEqualTo("agent-memory-redis");
			assertThat(breaker.getSlidingWindowSize()).isEqualTo(3);
			assertThat(breaker.getMinimumNumberOfCalls()).isEqualTo(3);
			assertThat(breaker.getFailureRateThreshold()).isEqualTo(100);
			assertThat(breaker.getPermittedNumberOfCallsInHalfOpenState()).isEqualTo(1);
			assertThat(breaker.getWaitIntervalFunctionInOpenState().apply(1)).isEqualTo(300_000L);
			assertThat(AgentMemoryRedisAutoConfiguration.retryPolicy(properties)).as("the library's defaults")
				.isEqualTo(RetryPolicy.create());
			assertThat(properties.getRecovery().getCapacity()).isEqualTo(10_000);
			assertThat(properties.getRecovery().getMaxAttempts()).isEqualTo(10);
			assertThat(properties.getRecovery().getMaxInterval()).isEqualTo(Duration.ofSeconds(30));
			RetryConfig retry = executor.getRetry().getRetryConfig();
			assertThat(retry.getMaxAttempts()).as("first call plus 3 retries").isEqualTo(4);
		});
	}

	@Test
	void propertiesShouldBeBound() {
		this.contextRunner
			.withPropertyValues("agent-memory.redis.circuit-breaker.failure-threshold=5",
					"agent-memory.redis.circuit-breaker.wait-duration-in-open-state=10s",
					"agent-memory.redis.circuit-breaker.permitted-calls-in-half-open-state=2",
					"agent-memory.redis.retry.max-attempts=1", "agent-memory.redis.retry.initial-interval=100ms",
					"agent-memory.redis.retry.max-interval=1s", "agent-memory.redis.retry.multiplier=3")
			.run((context) -> {
				ResilientCommandExecutor executor = context.getBean(ResilientCommandExecutor.class);
				CircuitBreakerConfig breaker = executor.getCircuitBreaker().getCircuitBreakerConfig();
				assertThat(breaker.getSlidingWindowSize()).isEqualTo(5);
				assertThat(breaker.getPermittedNumberOfCallsInHalfOpenState()).isEqualTo(2);
				assertThat(breaker.getWaitIntervalFunctionInOpenState().apply(1)).isEqualTo(10_000L);
				assertThat(executor.getRetry().getRetryConfig().getMaxAttempts()).as("1 attempt: no retry")
					.isEqualTo(1);
			});
	}

	@Test
	void runWhenDisabledShouldNotCreateAnything() {
		this.contextRunner.withPropertyValues("agent-memory.redis.enabled=false").run((context) -> {
			assertThat(context).hasNotFailed()
				.doesNotHaveBean(AsyncResilientRedisTemplate.class)
				.doesNotHaveBean(ResilientCommandExecutor.class)
				.doesNotHaveBean(AgentMemoryRedisProperties.class)
				.doesNotHaveBean("agentMemoryRedisClientOptionsCustomizer");
			assertThat(disconnectedBehavior(context)).isEqualTo(DisconnectedBehavior.DEFAULT);
		});
	}

	@Test
	void runWithoutResilience4jShouldBackOff() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(CircuitBreaker.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(AsyncResilientRedisTemplate.class));
	}

	@Test
	void runWithoutConnectionFactoryShouldNotCreateTemplates() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(AgentMemoryRedisAutoConfiguration.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(AsyncResilientRedisTemplate.class)
				.doesNotHaveBean(ResilientRedisTemplate.class));
	}

	@Test
	void runWithUserBeansShouldBackOff() {
		this.contextRunner.withUserConfiguration(UserTemplateConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(AsyncResilientRedisTemplate.class)
				.hasSingleBean(ResilientCommandExecutor.class);
			assertThat(context.getBean(AsyncResilientRedisTemplate.class))
				.isSameAs(context.getBean("userTemplate"));
			assertThat(context.getBean(ResilientCommandExecutor.class)).isSameAs(context.getBean("userExecutor"));
		});
	}

	@Test
	void runWithCircuitBreakerRegistryShouldTakeTheBreakerFromIt() {
		CircuitBreakerRegistry registry = CircuitBreakerRegistry.ofDefaults();
		this.contextRunner.withBean(CircuitBreakerRegistry.class, () -> registry).run((context) -> {
			CircuitBreaker breaker = context.getBean(ResilientCommandExecutor.class).getCircuitBreaker();
			assertThat(registry.find(RedisCircuitBreakers.NAME)).containsSame(breaker);
			assertThat(breaker.getCircuitBreakerConfig().getSlidingWindowSize()).isEqualTo(3);
		});
	}

	@Test
	void runWithBreakerConfiguredInRegistryShouldUseThatConfiguration() {
		CircuitBreakerRegistry registry = CircuitBreakerRegistry.ofDefaults();
		CircuitBreaker configured = registry.circuitBreaker(RedisCircuitBreakers.NAME,
				CircuitBreakerConfig.custom().slidingWindowSize(7).build());
		this.contextRunner.withBean(CircuitBreakerRegistry.class, () -> registry)
			.run((context) -> assertThat(context.getBean(ResilientCommandExecutor.class).getCircuitBreaker())
				.isSameAs(configured));
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', textBlock = """
			retry.max-attempts=0                         | agent-memory.redis.retry.max-attempts must be at least 1 (no retry), was 0
			recovery.max-interval=0s                     | agent-memory.redis.recovery.max-interval must be at least 1ms, was PT0S
			circuit-breaker.failure-threshold=0          | agent-memory.redis.circuit-breaker.failure-threshold must be at least 1, was 0
			circuit-breaker.failure-threshold=-3         | agent-memory.redis.circuit-breaker.failure-threshold must be at least 1, was -3
			circuit-breaker.wait-duration-in-open-state=0s | agent-memory.redis.circuit-breaker.wait-duration-in-open-state must be at least 1ms, was PT0S
			retry.jitter=1                               | agent-memory.redis.retry.jitter must be at least 0 and below 1, was 1.0
			retry.multiplier=0.5                         | agent-memory.redis.retry.multiplier must be a finite number of at least 1, was 0.5
			recovery.capacity=0                          | agent-memory.redis.recovery.capacity must be at least 1, was 0
			recovery.batch-size=0                        | agent-memory.redis.recovery.batch-size must be at least 1, was 0
			recovery.shutdown-timeout=-1s                | agent-memory.redis.recovery.shutdown-timeout must be 0 or more, was PT-1S
			agent-state.key-pattern=agents               | agent-memory.redis.agent-state.key-pattern must be a key containing {id}, was agents
			""")
	void runWithAnInvalidSettingShouldFailNamingTheKey(String setting, String message) {
		this.contextRunner.withPropertyValues("agent-memory.redis." + setting)
			.run((context) -> assertThat(context).hasFailed().getFailure().rootCause().hasMessage(message));
	}

	@Test
	void runWithUnknownDurationShouldFailNamingTheProperty() {
		this.contextRunner.withPropertyValues("agent-memory.redis.recovery.poll-interval=soon")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.hasStackTraceContaining("agent-memory.redis.recovery.poll-interval"));
	}

	@Test
	void runWithInitialIntervalAboveMaxIntervalShouldFailNamingBothProperties() {
		this.contextRunner
			.withPropertyValues("agent-memory.redis.retry.initial-interval=1m", "agent-memory.redis.retry.max-interval=30s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("agent-memory.redis.retry.initial-interval (PT1M)")
				.hasMessageContaining("agent-memory.redis.retry.max-interval (PT30S)"));
	}

	@Test
	void failFastShouldRejectCommandsWhileDisconnectedAndApplyTimeoutsWhenUnset() {
		this.contextRunner.run((context) -> {
			LettuceConnectionFactory factory = context.getBean(LettuceConnectionFactory.class);
			var options = factory.getClientConfiguration().getClientOptions().get();
			assertThat(options.getDisconnectedBehavior()).isEqualTo(DisconnectedBehavior.REJECT_COMMANDS);
			assertThat(options.getRequestQueueSize()).isEqualTo(100_000);
			assertThat(options.getSocketOptions().isKeepAlive()).isTrue();
			assertThat(options.getSocketOptions().getConnectTimeout()).isEqualTo(Duration.ofSeconds(2));
			assertThat(factory.getClientConfiguration().getCommandTimeout()).isEqualTo(Duration.ofSeconds(2));
		});
	}

	@Test
	void failFastShouldKeepTimeoutsSetBySpringDataRedisProperties() {
		this.contextRunner
			.withPropertyValues("spring.data.redis.timeout=7s", "spring.data.redis.connect-timeout=3s")
			.run((context) -> {
				LettuceConnectionFactory factory = context.getBean(LettuceConnectionFactory.class);
				assertThat(factory.getClientConfiguration().getCommandTimeout()).isEqualTo(Duration.ofSeconds(7));
				assertThat(factory.getClientConfiguration().getClientOptions().get().getSocketOptions()
					.getConnectTimeout()).isEqualTo(Duration.ofSeconds(3));
			});
	}

	@Test
	void failFastCanBeSwitchedOff() {
		this.contextRunner.withPropertyValues("agent-memory.redis.fail-fast.enabled=false").run((context) -> {
			assertThat(context).hasSingleBean(AsyncResilientRedisTemplate.class)
				.doesNotHaveBean("agentMemoryRedisClientOptionsCustomizer");
			assertThat(disconnectedBehavior(context)).isEqualTo(DisconnectedBehavior.DEFAULT);
		});
	}

	@Test
	void runWithANonLettuceConnectionFactoryShouldFailWithAClearMessage() {
		new ApplicationContextRunner()
			.withConfiguration(BootLine.redisAndTemplate())
			.withBean(RedisConnectionFactory.class, () -> mock(RedisConnectionFactory.class))
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("needs Spring Data Redis's LettuceConnectionFactory")
				.hasMessageContaining("agent-memory.redis.enabled=false"));
	}

	private static DisconnectedBehavior disconnectedBehavior(ApplicationContext context) {
		return context.getBean(LettuceConnectionFactory.class)
			.getClientConfiguration()
			.getClientOptions()
			.get()
			.getDisconnectedBehavior();
	}

	@Configuration(proxyBeanMethods = false)
	static class UserTemplateConfiguration {

		@Bean
		ResilientCommandExecutor userExecutor(ResilienceScheduler scheduler) {
			return new ResilientCommandExecutor(CircuitBreaker.ofDefaults("user"),
					io.github.resilience4j.retry.Retry.ofDefaults("user"), scheduler.getExecutor(),
					new io.github.agentmemory.redis.resilience.RedisFaultClassifier(),
					new io.github.agentmemory.redis.resilience.RedisExceptionTranslator());
		}

		@Bean
		AsyncResilientRedisTemplate userTemplate(ResilientRedisConnection connection, WriteSequencer sequencer,
				RecoveryQueue queue, CircuitBreaker agentMemoryRedisCircuitBreaker) {
			return new AsyncResilientRedisTemplate(connection, sequencer, queue, agentMemoryRedisCircuitBreaker,
					StoreFunction.hash("user:{id}"));
		}

	}

}
