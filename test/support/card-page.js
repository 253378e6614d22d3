// Runs inside Chromium after the adaptivecards browser bundle (window.AdaptiveCards): renders one
// card into #card with the official SDK and reports what a person would see and what went wrong.
window.renderAdaptiveCard = (payload, hostConfig, lang) => {
  document.documentElement.lang = lang;
  const sdk = window.AdaptiveCards;
  const problems = [];
  const card = new sdk.AdaptiveCard();
  card.hostConfig = new sdk.HostConfig(hostConfig);
  const context = new sdk.SerializationContext();
  card.parse(payload, context);
  for (let index = 0; index < context.eventCount; index += 1) problems.push(`parse: ${context.getEventAt(index).message}`);
  for (const event of card.validateProperties().validationEvents) problems.push(`validation: ${event.message}`);

  const host = document.getElementById('card');
  const rendered = card.render();
  if (!rendered) {
    problems.push('render: the SDK produced no element');
    host.replaceChildren();
  } else {
    host.replaceChildren(rendered);
  }

  const box = host.getBoundingClientRect();
  const buttons = [...host.querySelectorAll('button')].map((button) => ({
    title: (button.getAttribute('aria-label') || button.textContent || '').trim(),
    classes: button.className,
    visible: button.getBoundingClientRect().width > 0 && button.getBoundingClientRect().height > 0,
  }));
  return { problems, width: box.width, height: box.height, text: host.innerText, buttons };
};
