#!/usr/bin/env python3
"""Drives the `stratopt serve` dashboard in headless Chromium (Selenium + Debian's chromium-driver).

    python3 contrib/serve_dashboard_check.py BASE_URL TOKEN

Signs in, submits the form as it comes (the example tickers, the last year, every strategy), waits for
the per-symbol tabs and the ranking, checks the best row is highlighted, clicks "Execute all" (the paper
broker) and reads the outcome. Exits 1 on any failure or browser console error.
"""
import re
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait


def main(base, token):
    opts = webdriver.ChromeOptions()
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,2000"]:
        opts.add_argument(a)
    opts.binary_location = "/usr/bin/chromium"
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    try:
        wait = WebDriverWait(driver, 240)
        driver.get(base + "/")
        count = driver.find_element(By.ID, "ticker-count").text
        assert count == "5 tickers", "live ticker counter: %r" % count
        tickers = driver.find_element(By.ID, "tickers")
        tickers.send_keys(", AMD")
        assert driver.find_element(By.ID, "ticker-count").text == "6 tickers"
        tickers.clear()
        tickers.send_keys("AAPL, MSFT, GOOGL, TSLA, NVDA")
        start = driver.find_element(By.ID, "start").get_attribute("value")
        end = driver.find_element(By.ID, "end").get_attribute("value")
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", start) and int(end[:4]) - int(start[:4]) == 1, (start, end)
        driver.find_element(By.ID, "token").send_keys(token)
        driver.find_element(By.ID, "signin-button").click()
        driver.find_element(By.ID, "submit").click()
        t0 = time.time()
        wait.until(EC.visibility_of_element_located((By.ID, "results-section")))
        print("dashboard: results after %.1f s: %s" % (time.time() - t0, driver.find_element(By.ID, "progress-text").text))
        tabs = driver.find_elements(By.CSS_SELECTOR, "#tabs button")
        assert [t.text for t in tabs] == ["AAPL", "MSFT", "GOOGL", "TSLA", "NVDA"], [t.text for t in tabs]
        assert driver.find_elements(By.CSS_SELECTOR, "#tab-panel tr.best"), "no highlighted best row"
        tabs[1].click()
        assert "Execute MSFT" in driver.find_element(By.ID, "tab-panel").text
        ranking = driver.find_elements(By.CSS_SELECTOR, "#ranking tbody tr")
        assert len(ranking) >= 5 * 10, "ranking rows: %d" % len(ranking)
        coloured = driver.find_elements(By.CSS_SELECTOR, "#ranking td.pos, #ranking td.neg")
        assert len(coloured) == len(ranking), "every return is colour-coded"
        driver.find_element(By.ID, "execute-all").click()
        summary = wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, "#execute-result .execute-summary")))
        m = re.fullmatch(r"(\d+) submitted, (\d+) blocked, (\d+) failed, (\d+) skipped", summary.text)
        assert m, "execute outcome: %r / %r" % (summary.text, driver.find_element(By.ID, "execute-result").text)
        rows = driver.find_elements(By.CSS_SELECTOR, "#execute-result table tr")
        assert len(rows) - 1 == sum(int(x) for x in m.groups()), "one row per order"
        print("dashboard: execute all: " + summary.text)
        link = driver.find_element(By.ID, "report-link").get_attribute("href")
        driver.get(link)
        # A large run's report.html is the index of its per-symbol pages: its summary section, not a chart.
        assert 'id="summary"' in driver.page_source, "report.html did not load through the dashboard's link"
        driver.get(base + "/")
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#history tbody tr"))
        errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        assert not errors, "console errors: %r" % errors
    finally:
        driver.quit()
    print("dashboard: OK")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: serve_dashboard_check.py BASE_URL TOKEN")
    try:
        main(sys.argv[1], sys.argv[2])
    except AssertionError as e:
        sys.exit("dashboard: FAIL: %s" % e)
