/*
 * 실사용자 로딩 시간 / Real-user timing for the public status page (/status).
 *
 * After the page's load event, sends ONE beacon to /status/beacon with how long this page took:
 * {page, navigation, ttfb, fcp?, dcl, load} in whole milliseconds from the navigation start.
 * No identifier, no query string, nothing typed by the person in the body (sendBeacon may carry
 * the site's cookie; the server never reads it for a beacon). Nothing is sent when
 * the browser lacks the Performance APIs or sendBeacon/fetch, or when the person asked not to be
 * tracked (navigator.doNotTrack === "1" or Global Privacy Control). See ilteo/status/rum.py.
 */
(function () {
  "use strict";
  var sent = false;

  function ms(value, start) {
    return Math.max(0, Math.round(value - start));
  }

  function firstContentfulPaint() {
    return performance.getEntriesByType("paint").filter(function (entry) {
      return entry.name === "first-contentful-paint";
    })[0];
  }

  // After the load event: send at once if the first paint is known, else wait for it (at most a
  // second, or until the person leaves the page). A paint after the load is not sent (fcp <= load).
  function afterLoad() {
    if (firstContentfulPaint() || !window.PerformanceObserver) { send(); return; }
    setTimeout(send, 1000);
    window.addEventListener("pagehide", send, { once: true });
    try {
      new PerformanceObserver(function () {
        if (firstContentfulPaint()) { send(); }
      }).observe({ type: "paint", buffered: true });
    } catch (error) {
      send();
    }
  }

  function send() {
    if (sent) { return; }
    sent = true;
    var nav = performance.getEntriesByType("navigation")[0];
    if (!nav || !(nav.loadEventEnd > 0)) { return; }
    var start = nav.activationStart > 0 ? nav.activationStart : 0; // a prerendered page
    var payload = {
      page: location.pathname.slice(0, 300),
      navigation: nav.type,
      ttfb: ms(nav.responseStart, start),
      dcl: ms(nav.domContentLoadedEventEnd, start),
      load: ms(nav.loadEventEnd, start)
    };
    var paint = firstContentfulPaint();
    if (paint && ms(paint.startTime, start) <= payload.load) {
      payload.fcp = ms(paint.startTime, start);
    }
    var body = JSON.stringify(payload);
    try {
      if (navigator.sendBeacon && navigator.sendBeacon("/status/beacon", body)) { return; }
      if (window.fetch) {
        fetch("/status/beacon", {
          method: "POST",
          body: body,
          keepalive: true,
          credentials: "omit",
          headers: { "Content-Type": "text/plain" }
        }).catch(function () {});
      }
    } catch (error) {
      // Measuring must never break the page.
    }
  }

  if (navigator.doNotTrack === "1" || navigator.globalPrivacyControl === true) { return; }
  if (!window.performance || !performance.getEntriesByType || !window.JSON) { return; }
  if (document.readyState === "complete") {
    setTimeout(afterLoad, 0);
  } else {
    window.addEventListener("load", function () { setTimeout(afterLoad, 0); }, { once: true });
  }
})();
