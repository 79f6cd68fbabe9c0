//! The browser tests' harness: a real headless Chromium driven over WebDriver (chromedriver on
//! 127.0.0.1, a free port), screenshots of the key pages in `target/screenshots/` (kept as
//! test artefacts, not committed).
//!
//! Chromium and chromedriver come from Debian's `chromium` and `chromium-driver` packages,
//! which `.ci/run` installs when missing. Elsewhere, a machine without them fails these tests
//! with a message saying what to install.

use std::net::TcpListener;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use thirtyfour::prelude::*;
use tokio::sync::{Semaphore, SemaphorePermit};

/// At most two browsers at once: the machine has two cores, and each test also runs a demo.
static BROWSERS: Semaphore = Semaphore::const_new(2);

/// How long to wait for a page to reach a state.
const PATIENCE: Duration = Duration::from_secs(30);

/// Finds a program on `PATH`.
fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

fn missing(what: &str) -> ! {
    panic!(
        "the browser tests need Chromium and its WebDriver, and {what} was not found: install \
         them with `apt-get install chromium chromium-driver` (Debian; .ci/run does it in CI)"
    )
}

/// The Chromium executable: Debian's real binary rather than its wrapper script when present.
fn chromium() -> PathBuf {
    let debian = Path::new("/usr/lib/chromium/chromium");
    if debian.is_file() {
        return debian.to_owned();
    }
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find_map(which)
        .unwrap_or_else(|| missing("chromium"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Where screenshots go: `target/screenshots/`.
fn screenshot_dir() -> PathBuf {
    let target = option_env!("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("screenshots")
}

/// A headless Chromium session, with its chromedriver.
pub struct Browser {
    driver: Option<WebDriver>,
    chromedriver: Child,
    test: String,
    shots: u32,
    _permit: SemaphorePermit<'static>,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Quits the session (closing Chromium) before chromedriver goes. Dropping a
        // `WebDriver` only schedules the quit on the runtime, which is shutting down at the end
        // of a test, so without this wait every test left its Chromium running.
        if let Some(driver) = self.driver.take() {
            if let Ok(handle) = tokio::runtime::Handle::try_current() {
                tokio::task::block_in_place(|| {
                    handle.block_on(async {
                        let _ = tokio::time::timeout(Duration::from_secs(10), driver.quit()).await;
                    })
                });
            }
        }
        // Backstop (a panicking test, a quit that timed out): chromedriver leads its own process
        // group, which Chromium joins; end the whole group.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.chromedriver.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.chromedriver.kill();
        let _ = self.chromedriver.wait();
    }
}

impl Browser {
    /// Starts chromedriver and a headless Chromium for the test named `test`.
    pub async fn start(test: &str) -> Browser {
        let permit = BROWSERS.acquire().await.expect("browser semaphore");
        let chromedriver_path = which("chromedriver").unwrap_or_else(|| missing("chromedriver"));
        let chromium = chromium();
        let port = free_port();
        let chromedriver = Command::new(chromedriver_path)
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let server = format!("http://127.0.0.1:{port}");
        let mut browser = Browser {
            driver: None,
            chromedriver,
            test: test.to_owned(),
            shots: 0,
            _permit: permit,
        };
        wait_ready(&server).await;
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(chromium.to_str().expect("UTF-8 path"))
            .unwrap();
        for arg in [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-extensions",
            "--no-first-run",
            "--window-size=1100,1000",
        ] {
            caps.add_arg(arg).unwrap();
        }
        let driver = WebDriver::new(&server, caps)
            .await
            .expect("a Chromium session (is the chromium package installed?)");
        browser.driver = Some(driver);
        browser
    }

    /// The WebDriver session.
    pub fn driver(&self) -> &WebDriver {
        self.driver.as_ref().expect("browser session")
    }

    /// Opens `url`.
    pub async fn goto(&self, url: &str) {
        self.driver().goto(url).await.expect("navigate");
    }

    /// The element matching `css`, waiting for it to appear.
    pub async fn find(&self, css: &str) -> WebElement {
        let found = self
            .driver()
            .query(By::Css(css))
            .wait(PATIENCE, Duration::from_millis(100))
            .first()
            .await;
        match found {
            Ok(element) => element,
            Err(e) => {
                self.screenshot("missing-element").await;
                panic!("no element {css} on {}: {e}", self.url().await)
            }
        }
    }

    /// Clicks the element matching `css`.
    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.expect("click");
    }

    /// Replaces the text of the input matching `css`.
    pub async fn fill(&self, css: &str, text: &str) {
        let input = self.find(css).await;
        input.clear().await.expect("clear");
        input.send_keys(text).await.expect("type");
    }

    /// The current URL.
    pub async fn url(&self) -> String {
        self.driver()
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default()
    }

    /// The page's HTML.
    pub async fn source(&self) -> String {
        self.driver().source().await.expect("page source")
    }

    /// Runs a script and returns its JSON result.
    pub async fn script(&self, js: &str) -> serde_json::Value {
        self.driver()
            .execute(js, Vec::new())
            .await
            .expect("script")
            .json()
            .clone()
    }

    /// Waits until the script `js` returns `true` (it may fail while a page loads).
    pub async fn wait_for(&self, what: &str, js: &str) {
        let start = Instant::now();
        loop {
            if let Ok(ret) = self.driver().execute(js, Vec::new()).await
                && ret.json() == &serde_json::Value::Bool(true)
            {
                return;
            }
            if start.elapsed() > PATIENCE {
                let url = self.url().await;
                self.screenshot("timeout").await;
                panic!("timed out waiting for {what} on {url}");
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Waits until the order page shows `status`.
    pub async fn wait_for_status(&self, status: &str) {
        let js = format!(
            "var b=document.getElementById('order-status');return !!b&&b.dataset.status==={status:?};"
        );
        self.wait_for(&format!("the order to be {status}"), &js)
            .await;
    }

    /// The order page's status.
    pub async fn status(&self) -> String {
        self.find("#order-status")
            .await
            .attr("data-status")
            .await
            .expect("status attribute")
            .unwrap_or_default()
    }

    /// Saves a screenshot `target/screenshots/TEST-NN-NAME.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        let n = self.shots;
        let path = dir.join(format!("{}-{n:02}-{name}.png", self.test));
        let png = self.driver().screenshot_as_png().await.expect("screenshot");
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// Like [`Browser::screenshot`], numbering the shots in order.
    pub async fn shot(&mut self, name: &str) -> PathBuf {
        self.shots += 1;
        self.screenshot(name).await
    }
}

/// Waits for chromedriver's `/status` to say it is ready.
async fn wait_ready(server: &str) {
    let http = reqwest::Client::new();
    let start = Instant::now();
    loop {
        if let Ok(r) = http.get(format!("{server}/status")).send().await
            && let Ok(text) = r.text().await
            && let Ok(json) = serde_json::from_str::<serde_json::Value>(&text)
            && json["value"]["ready"] == true
        {
            return;
        }
        assert!(
            start.elapsed() < PATIENCE,
            "chromedriver did not start on {server}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
