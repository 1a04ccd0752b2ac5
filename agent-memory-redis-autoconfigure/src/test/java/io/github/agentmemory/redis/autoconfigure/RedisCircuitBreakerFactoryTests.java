package io.github.agentmemory.redis.autoconfigure;

import java.time.Duration;

import io.github.agentmemory.redis.resilience.MonotonicClock;
import io.github.agentmemory.redis.resilience.RedisCircuitBreakers;
import io.github.agentmemory.redis.resilience.ResilientCommandExecutor;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerEvent;
import io.github.resilience4j.common.circuitbreaker.configuration.CircuitBreakerConfigCustomizer;
import io.github.resilience4j.consumer.EventConsumerRegistry;
import io.github.agentmemory.redis.test.BootLine;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link RedisCircuitBreakerFactory} as wired by
 * {@link AgentMemoryRedisAutoConfiguration}, with and without Resilience4j's Spring Boot
 * module. None of them needs a running Redis.
 */
class RedisCircuitBreakerFactoryTests {

	private static final String INSTANCE = "resilience4j.circuitbreaker.instances.agent-memory-redis.";

	private static final String DEFAULT = "resilience4j.circuitbreaker.configs.default.";

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(BootLine.redisAndTemplate())
		.withConfiguration(AutoConfigurations.of(BootLine.CIRCUIT_BREAKER_AUTO_CONFIGURATION))
		.withPropertyValues("spring.data.redis.port=1");

	@Test
	void oneInstancePropertyKeepsTheOtherStarterSettings() {
		this.contextRunner.withPropertyValues(INSTANCE + "wait-duration-in-open-state=20s").run((context) -> {
			CircuitBreakerConfig config = breaker(context).getCircuitBreakerConfig();
			assertThat(waitInOpenState(config)).isEqualTo(Duration.ofSeconds(20));
			assertThat(config.getSlidingWindowType()).isEqualTo(SlidingWindowType.COUNT_BASED);
			assertThat(config.getSlidingWindowSize()).isEqualTo(3);
			assertThat(config.getMinimumNumberOfCalls()).isEqualTo(3);
			assertThat(config.getFailureRateThreshold()).isEqualTo(100);
			assertThat(config.getPermittedNumberOfCallsInHalfOpenState()).isEqualTo(1);
			assertThat(config.isAutomaticTransitionFromOpenToHalfOpenEnabled()).isFalse();
			assertThat(config.isWritableStackTraceEnabled()).isFalse();
			assertThat(config.getClock()).isSameAs(MonotonicClock.get());
			assertThat(config.getMaxWaitDurationInHalfOpenState()).as("from the starter's open-state wait")
				.isEqualTo(Duration.ofSeconds(300));
		});
	}

	@Test
	void withoutResilience4jPropertiesTheBreakerHasTheStarterSettings() {
		this.contextRunner.run((context) -> {
			CircuitBreakerConfig config = breaker(context).getCircuitBreakerConfig();
			assertThat(waitInOpenState(config)).isEqualTo(Duration.ofSeconds(300));
			assertThat(config.getSlidingWindowSize()).isEqualTo(3);
			assertThat(config.getFailureRateThreshold()).isEqualTo(100);
			assertThat(config.getMaxWaitDurationInHalfOpenState()).isEqualTo(Duration.ofSeconds(300));
			assertThat(config.getClock()).isSameAs(MonotonicClock.get());
		});
	}

	@Test
	void defaultConfigOverridesTheKeysItSets() {
		this.contextRunner
			.withPropertyValues(DEFAULT + "failure-rate-threshold=50", DEFAULT + "sliding-window-size=10",
					DEFAULT + "minimum-number-of-calls=10")
			.run((context) -> {
				CircuitBreakerConfig config = breaker(context).getCircuitBreakerConfig();
				assertThat(config.getFailureRateThreshold()).isEqualTo(50);
				assertThat(config.getSlidingWindowSize()).isEqualTo(10);
				assertThat(config.getMinimumNumberOfCalls()).isEqualTo(10);
				assertThat(waitInOpenState(config)).isEqualTo(Duration.ofSeconds(300));
				assertThat(config.getPermittedNumberOfCallsInHalfOpenState()).isEqualTo(1);
				assertThat(config.isAutomaticTransitionFromOpenToHalfOpenEnabled()).isFalse();
				assertThat(config.getClock()).isSameAs(MonotonicClock.get());
			});
	}

	@Test
	void instancePropertiesOverrideTheDefaultConfig() {
		this.contextRunner
			.withPropertyValues(DEFAULT + "wait-duration-in-open-state=20s",
					DEFAULT + "permitted-number-of-calls-in-half-open-state=5",
					INSTANCE + "wait-duration-in-open-state=40s")
			.run((context) -> {
				CircuitBreakerConfig config = breaker(context).getCircuitBreakerConfig();
				assertThat(waitInOpenState(config)).isEqualTo(Duration.ofSeconds(40));
				assertThat(config.getPermittedNumberOfCallsInHalfOpenState()).isEqualTo(5);
				assertThat(config.getSlidingWindowSize()).isEqualTo(3);
			});
	}

	@Test
	void namedBaseConfigOverridesTheStarterSettingsInsteadOfTheDefaultConfig() {
		this.contextRunner
			.withPropertyValues("resilience4j.circuitbreaker.configs.shared.sliding-window-size=8",
					"resilience4j.circuitbreaker.configs.shared.minimum-number-of-calls=8",
					DEFAULT + "permitted-number-of-calls-in-half-open-state=5", INSTANCE + "base-config=shared",
					INSTANCE + "failure-rate-threshold=80")
			.run((context) -> {
				CircuitBreakerConfig config = breaker(context).getCircuitBreakerConfig();
				assertThat(config.getSlidingWindowSize()).isEqualTo(8);
				assertThat(config.getMinimumNumberOfCalls()).isEqualTo(8);
				assertThat(config.getFailureRateThreshold()).isEqualTo(80);
				assertThat(config.getPermittedNumberOfCallsInHalfOpenState())
					.as("as in Resilience4j, configs.default is not below a named base-config")
					.isEqualTo(1);
				assertThat(waitInOpenState(config)).isEqualTo(Duration.ofSeconds(300));
			});
	}

	@Test
	void starterPropertiesStillApplyBelowResilience4jProperties() {
		this.contextRunner
			.withPropertyValues("agent-memory.redis.circuit-breaker.failure-threshold=5",
					"agent-memory.redis.circuit-breaker.wait-duration-in-open-state=10s",
					INSTANCE + "permitted-number-of-calls-in-half-open-state=2")
			.run((context) -> {
				CircuitBreakerConfig config = breaker(context).getCircuitBreakerConfig();
				assertThat(config.getSlidingWindowSize()).isEqualTo(5);
				assertThat(config.getMinimumNumberOfCalls()).isEqualTo(5);
				assertThat(waitInOpenState(config)).isEqualTo(Duration.ofSeconds(10));
				assertThat(config.getMaxWaitDurationInHalfOpenState()).isEqualTo(Duration.ofSeconds(10));
				assertThat(config.getPermittedNumberOfCallsInHalfOpenState()).isEqualTo(2);
			});
	}

	@Test
	void customizerOfTheInstanceAppliesLast() {
		this.contextRunner.withPropertyValues(INSTANCE + "sliding-window-size=7")
			.withBean(CircuitBreakerConfigCustomizer.class,
					() -> CircuitBreakerConfigCustomizer.of(RedisCircuitBreakers.NAME,
							(builder) -> builder.slidingWindowSize(9).minimumNumberOfCalls(9)))
			.run((context) -> {
				CircuitBreakerConfig config = breaker(context).getCircuitBreakerConfig();
				assertThat(config.getSlidingWindowSize()).isEqualTo(9);
				assertThat(config.getFailureRateThreshold()).isEqualTo(100);
				assertThat(config.getClock()).isSameAs(MonotonicClock.get());
			});
	}

	@Test
	void registryInstanceCreatedFromPropertiesIsReplacedByTheTemplatesBreaker() {
		this.contextRunner.withPropertyValues(INSTANCE + "wait-duration-in-open-state=20s").run((context) -> {
			CircuitBreaker breaker = breaker(context);
			CircuitBreakerRegistry registry = context.getBean(CircuitBreakerRegistry.class);
			assertThat(registry.find(RedisCircuitBreakers.NAME)).containsSame(breaker);
			assertThat(registry.getAllCircuitBreakers()).containsExactly(breaker);
			breaker.transitionToOpenState();
			@SuppressWarnings("unchecked")
			EventConsumerRegistry<CircuitBreakerEvent> events = context.getBean(EventConsumerRegistry.class);
			assertThat(events.getEventConsumer(RedisCircuitBreakers.NAME).getBufferedEvents())
				.as("Resilience4j's event consumer is attached to the replacement")
				.singleElement()
				.extracting(CircuitBreakerEvent::getEventType)
				.isEqualTo(CircuitBreakerEvent.Type.STATE_TRANSITION);
		});
	}

	@Test
	void registryWithoutTheInstanceGetsTheTemplatesBreaker() {
		this.contextRunner.run((context) -> assertThat(context.getBean(CircuitBreakerRegistry.class)
			.find(RedisCircuitBreakers.NAME)).containsSame(breaker(context)));
	}

	@Test
	void lostHalfOpenPermitDoesNotKeepTheCircuitHalfOpen() {
		this.contextRunner.withPropertyValues("agent-memory.redis.circuit-breaker.wait-duration-in-open-state=200ms")
			.run((context) -> {
				CircuitBreaker breaker = breaker(context);
				breaker.transitionToOpenState();
				breaker.transitionToHalfOpenState();
				assertThat(breaker.tryAcquirePermission()).as("the only probe").isTrue();
				assertThat(breaker.tryAcquirePermission()).isFalse();
				await().atMost(Duration.ofSeconds(10))
					.until(breaker::getState, (state) -> state == CircuitBreaker.State.OPEN);
				await().atMost(Duration.ofSeconds(10)).until(breaker::tryAcquirePermission);
				assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
			});
	}

	@Test
	void withoutResilience4jSpringBootModuleTheBreakerHasTheStarterSettings() {
		new ApplicationContextRunner()
			.withConfiguration(BootLine.redisAndTemplate())
			.withClassLoader(new FilteredClassLoader(BootLine.RESILIENCE4J_SPRING_BOOT_PACKAGE,
					"io.github.resilience4j.spring6", "io.github.resilience4j.common"))
			.withPropertyValues("spring.data.redis.port=1", INSTANCE + "wait-duration-in-open-state=20s")
			.run((context) -> {
				assertThat(context).hasNotFailed()
					.hasSingleBean(RedisCircuitBreakerFactoryConfiguration.CircuitBreakerOnlyConfiguration.class)
					.doesNotHaveBean(RedisCircuitBreakerFactoryConfiguration.Resilience4jPropertiesConfiguration.class);
				CircuitBreaker breaker = breaker(context);
				assertThat(breaker.getName()).isEqualTo(RedisCircuitBreakers.NAME);
				assertThat(waitInOpenState(breaker.getCircuitBreakerConfig())).isEqualTo(Duration.ofSeconds(300));
				assertThat(breaker.getCircuitBreakerConfig().getSlidingWindowSize()).isEqualTo(3);
			});
	}

	@Test
	void withoutResilience4jSpringBootModuleTheBreakerComesFromTheApplicationsRegistry() {
		CircuitBreakerRegistry registry = CircuitBreakerRegistry.ofDefaults();
		new ApplicationContextRunner()
			.withConfiguration(BootLine.redisAndTemplate())
			.withClassLoader(new FilteredClassLoader(BootLine.RESILIENCE4J_SPRING_BOOT_PACKAGE,
					"io.github.resilience4j.spring6", "io.github.resilience4j.common"))
			.withPropertyValues("spring.data.redis.port=1")
			.withBean(CircuitBreakerRegistry.class, () -> registry)
			.run((context) -> {
				CircuitBreaker breaker = breaker(context);
				assertThat(registry.find(RedisCircuitBreakers.NAME)).containsSame(breaker);
				assertThat(breaker.getCircuitBreakerConfig().getSlidingWindowSize()).isEqualTo(3);
			});
	}

	private static CircuitBreaker breaker(AssertableApplicationContext context) {
		assertThat(context).hasNotFailed();
		return context.getBean(ResilientCommandExecutor.class).getCircuitBreaker();
	}

	private static Duration waitInOpenState(CircuitBreakerConfig config) {
		return Duration.ofMillis(config.getWaitIntervalFunctionInOpenState().apply(1));
	}

}
