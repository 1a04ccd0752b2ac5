package io.github.agentmemory.sample.security;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample app configured with a wrong password: every request gets an error that
 * names the settings to check, the circuit stays closed, writes are not queued, and
 * neither password shows up in a response or a log line.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "management.endpoints.web.exposure.include=env,configprops,health")
@ExtendWith(OutputCaptureExtension.class)
@DirtiesContext
class WrongPasswordEndToEndTests {

	private static final String WRONG_PASSWORD = "wr0ng-Pa55word";

	private static final PasswordProtectedRedis redis = new PasswordProtectedRedis();

	@Autowired
	private TestRestTemplate http;

	@BeforeAll
	static void startRedis() {
		redis.start();
	}

	@AfterAll
	static void stopRedis() {
		redis.stop();
	}

	@DynamicPropertySource
	static void redisProperties(DynamicPropertyRegistry registry) {
		redis.register(registry, WRONG_PASSWORD);
	}

	@Test
	void everyRequestGetsAnAuthenticationErrorAndNoPasswordIsShown(CapturedOutput output) {
		for (int i = 0; i < 5; i++) {
			ResponseEntity<String> read = get("/agents/7/state");
			assertThat(read.getStatusCode()).isEqualTo(HttpStatus.BAD_GATEWAY);
			assertThat(read.getBody()).contains("WRONGPASS").contains("spring.data.redis.password");
		}
		ResponseEntity<String> write = putState("7", "{\"health\":\"90\"}");
		assertThat(write.getBody()).contains("\"outcome\":\"FAILED\"").doesNotContain("QUEUED");
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(get("/actuator/health/agentMemoryRedis").getBody())
				.contains("\"status\":\"UP\"")
				.contains("\"state\":\"CLOSED\"")
				.contains("WRONGPASS"));
		for (String url : new String[] { "/actuator/health", "/actuator/env", "/actuator/configprops" }) {
			assertThat(get(url).getBody()).as(url)
				.doesNotContain(WRONG_PASSWORD)
				.doesNotContain(PasswordProtectedRedis.PASSWORD);
		}
		assertThat(output.getAll()).contains("WRONGPASS")
			.doesNotContain(WRONG_PASSWORD)
			.doesNotContain(PasswordProtectedRedis.PASSWORD);
	}

	private ResponseEntity<String> get(String url) {
		return this.http.getForEntity(url, String.class);
	}

	private ResponseEntity<String> putState(String agent, String json) {
		HttpHeaders headers = new HttpHeaders();
		headers.setContentType(MediaType.APPLICATION_JSON);
		return this.http.exchange("/agents/" + agent + "/state", HttpMethod.PUT, new HttpEntity<>(json, headers),
				String.class);
	}

}
