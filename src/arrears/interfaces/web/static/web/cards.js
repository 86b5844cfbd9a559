// The account screen's "Take a card payment" form with Stripe's card element: the card number,
// expiry and CVC are typed into Stripe's own frame, Stripe.js turns them into a PaymentMethod, and
// only its id (pm_...) is put in the form and posted to us. Loaded only when the form carries
// data-stripe-key (Stripe is the gateway and its publishable key is set), after Stripe.js.
(function () {
  "use strict";
  function say(form, text) {
    var box = form.querySelector("[data-card-errors]");
    if (box) box.textContent = text || "";
  }
  function mount(form) {
    var token = form.querySelector("[data-card-token]");
    var slot = form.querySelector("[data-card-element]");
    var button = form.querySelector("button[type=submit]");
    if (!token || !slot) return;
    if (typeof window.Stripe !== "function") {
      say(form, "Stripe's card box could not be loaded: check the connection and reload the page.");
      if (!token.value && button) button.disabled = true;
      return;
    }
    var stripe = window.Stripe(form.dataset.stripeKey);
    var card = stripe.elements().create("card");
    card.mount(slot);
    card.on("change", function (event) { say(form, event.error ? event.error.message : ""); });
    form.addEventListener("submit", function (event) {
      // A token already there is the card entered before (sent again after no answer).
      if (token.value) return;
      event.preventDefault();
      if (button) button.disabled = true;
      say(form, "");
      var payer = form.querySelector("input[name$='payer_name']");
      var details = payer && payer.value.trim() ? { name: payer.value.trim() } : undefined;
      stripe.createPaymentMethod({ type: "card", card: card, billing_details: details })
        .then(function (result) {
          if (result.error) {
            say(form, result.error.message);
            if (button) button.disabled = false;
            return;
          }
          token.value = result.paymentMethod.id;
          form.submit(); // a plain post: no submit event, so this handler is not run again
        })
        .catch(function () {
          say(form, "Stripe could not be reached: nothing was charged. Try again.");
          if (button) button.disabled = false;
        });
    });
  }
  function start() {
    var forms = document.querySelectorAll("form[data-stripe-key]");
    for (var i = 0; i < forms.length; i++) mount(forms[i]);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
