package io.github.agentmemory.sample.security;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpStatus;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application that shows values at {@code /actuator/env} and
 * {@code /actuator/configprops} ({@code show-values=always}) must mask credentials with a
 * {@link SanitizingFunction}: Spring Boot 3 no longer masks by key name, and without one
 * the password is shown. This is the README's recipe, tested with a password in
 * {@code spring.data.redis.password} and in {@code spring.data.redis.url}.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.endpoints.web.exposure.include=env,configprops",
				"management.endpoint.env.show-values=always", "management.endpoint.configprops.show-values=always" })
@DirtiesContext
class ShownValuesEndToEndTests {

	@RegisterExtension
	static final PasswordProtectedRedis redis = new PasswordProtectedRedis();

	@Autowired
	private TestRestTemplate http;

	@DynamicPropertySource
	static void redisProperties(DynamicPropertyRegistry registry) {
		redis.registerUrl(registry);
		registry.add("spring.data.redis.password", () -> PasswordProtectedRedis.PASSWORD);
		registry.add("spring.data.redis.client-name", () -> "agent-memory-sample");
	}

	@Test
	void aSanitizingFunctionMasksThePasswordAndTheUrlWhileOtherValuesAreShown() {
		assertThat(this.http.getForEntity("/agents/7/state", String.class).getStatusCode())
			.as("connected with the URL's password, and there is no such agent")
			.isEqualTo(HttpStatus.NOT_FOUND);
		assertThat(this.http.getForObject("/actuator/env/spring.data.redis.password", String.class))
			.contains("\"value\":\"******\"")
			.doesNotContain(PasswordProtectedRedis.PASSWORD);
		assertThat(this.http.getForObject("/actuator/env/spring.data.redis.url", String.class))
			.doesNotContain(PasswordProtectedRedis.PASSWORD);
		assertThat(this.http.getForObject("/actuator/env", String.class))
			.contains("\"spring.data.redis.client-name\":{\"value\":\"agent-memory-sample\"")
			.doesNotContain(PasswordProtectedRedis.PASSWORD);
		assertThat(this.http.getForObject("/actuator/configprops/spring.data.redis", String.class))
			.contains("\"password\":\"******\"")
			.contains("\"clientName\":\"agent-memory-sample\"")
			.doesNotContain(PasswordProtectedRedis.PASSWORD);
	}

	@TestConfiguration(proxyBeanMethods = false)
	static class Sanitizing {

		@Bean
		SanitizingFunction credentials() {
			return SanitizingFunction.sanitizeValue().ifLikelyCredential().ifLikelyUri();
		}

	}

}
