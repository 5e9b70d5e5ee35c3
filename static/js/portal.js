/* Progressive enhancement: "send code" buttons call the JSON endpoint and count down.
   Without JavaScript the same button posts the form (action=send_code). */
(function () {
  function csrf(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function countdown(button, seconds) {
    var label = button.dataset.label, wait = button.dataset.wait || "";
    button.disabled = true;
    var left = seconds;
    (function tick() {
      if (left <= 0) { button.disabled = false; button.textContent = label; return; }
      button.textContent = wait + " (" + left + "s)";
      left -= 1;
      setTimeout(tick, 1000);
    })();
  }
  document.querySelectorAll("button.send-code").forEach(function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var form = button.form;
      var status = form.querySelector(".code-status");
      var phone = form.querySelector("input[name=phone]");
      var body = new URLSearchParams();
      body.set("phone", phone ? phone.value : "");
      body.set("purpose", button.dataset.purpose);
      button.disabled = true;
      fetch(button.dataset.url, {
        method: "POST",
        headers: { "X-CSRFToken": csrf(form), "Content-Type": "application/x-www-form-urlencoded" },
        body: body.toString(),
        credentials: "same-origin"
      }).then(function (response) {
        return response.json().then(function (data) { return [response.status, data]; });
      }).then(function (result) {
        var data = result[1];
        if (status) { status.textContent = data.message || ""; status.className = "code-status helptext " + (data.ok ? "ok" : "error"); }
        if (data.retry_after && result[0] !== 400) { countdown(button, data.retry_after); } else { button.disabled = false; }
      }).catch(function () { button.disabled = false; });
    });
  });
})();
