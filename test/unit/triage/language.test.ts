import { detectAll } from 'tinyld';
import { mostlyTraditional, toSimplified } from '../../../shared/triage/chinese';
import { detectLanguage, LOCAL_CONFIDENCE, MIN_DETECTABLE_CHARS } from '../../../shared/triage/language';

const detect = (text: string) => detectLanguage(text, 'en');

describe('languages told by their script', () => {
  test.each([
    ['我的快递一个星期还没到', 'zh'],
    ['我買的東西還沒到，請問這個訂單怎麼了', 'zh-TW'],
    ['注文した商品がまだ届きません', 'ja'],
    ['東京駅のコインロッカー', 'ja'],
    ['주문한 상품이 아직 안 왔어요', 'ko'],
    ['طلبي لم يصل بعد', 'ar'],
    ['मेरा ऑर्डर अभी तक नहीं आया', 'hi'],
    ['退款', 'zh'],
  ])('%s → %s', (text, language) => expect(detect(text)).toEqual({ source: 'script', language }));

  test('the script most of the text is in decides, a Han character weighing about a word', () => {
    expect(detect('我买的MacBook Pro屏幕坏了')).toEqual({ source: 'script', language: 'zh' });
    expect(detect('Hi, my order number is 订单 12345, it never arrived, please help')).not.toEqual(expect.objectContaining({ language: 'zh' }));
  });

  test('Arabic script with Persian or Urdu letters is left to Comprehend', () => {
    expect(detect('سفارش من هنوز نرسیده است، لطفا پیگیری کنید')).toEqual(expect.objectContaining({ source: 'undecided' }));
    expect(detect('میرا آرڈر ابھی تک نہیں پہنچا ہے، براہ کرم مدد کریں')).toEqual(expect.objectContaining({ source: 'undecided' }));
  });
});

describe('traditional and simplified Chinese', () => {
  test('traditional wins only when its forms outnumber the simplified ones', () => {
    expect(mostlyTraditional('這個訂單還沒到')).toBe(true);
    expect(mostlyTraditional('这个订单还没到')).toBe(false);
    expect(mostlyTraditional('退款退款')).toBe(false);
    expect(mostlyTraditional('這个')).toBe(false);
  });
  test('toSimplified folds the listed traditional characters and leaves everything else', () => {
    expect(toSimplified('我要投訴，退款！Refund')).toBe('我要投诉，退款！Refund');
  });
});

describe('Latin-script text: tinyld when it is confident', () => {
  // Support messages; tinyld is confident (≥ LOCAL_CONFIDENCE) about most, and never wrong when it is.
  const sentences: Record<string, string[]> = {
    en: ['My parcel is late and nobody answers the phone.', 'I was charged twice for my order, please refund me.', 'Can you tell me when the store opens tomorrow?', 'I cannot log in to my account since yesterday', 'The app keeps crashing when I open the settings', 'Please cancel my subscription immediately', 'This is the worst service I have ever had', 'My order arrived damaged, what should I do?'],
    es: ['Mi paquete no ha llegado y nadie contesta el teléfono.', 'Me cobraron dos veces, quiero un reembolso.', '¿Cuándo llega mi pedido? Llevo dos semanas esperando', 'No puedo entrar en mi cuenta desde ayer', 'Es el peor servicio que he recibido nunca', 'Hola, necesito ayuda con mi pedido por favor'],
    fr: ['Mon colis est en retard et personne ne répond.', "J'ai été débité deux fois, je veux un remboursement.", 'Merci beaucoup pour votre aide rapide !', 'Je ne peux plus me connecter à mon compte', 'Je voudrais annuler mon abonnement tout de suite', "C'est le pire service que j'ai jamais eu"],
    de: ['Mein Paket ist verspätet und niemand antwortet.', 'Ich wurde zweimal belastet, bitte erstatten Sie mir das Geld.', 'Vielen Dank für die schnelle Hilfe!', 'Ich kann mich seit gestern nicht mehr anmelden', 'Bitte kündigen Sie mein Abo sofort', 'Das ist der schlechteste Service, den ich je hatte'],
    pt: ['Minha encomenda está atrasada e ninguém atende o telefone.', 'Fui cobrado duas vezes, quero o reembolso.', 'Obrigado pela ajuda rápida, vocês são ótimos!', 'Não consigo entrar na minha conta desde ontem', 'O aplicativo fecha toda vez que eu abro', 'É o pior atendimento que já recebi'],
    it: ['Il mio pacco è in ritardo e nessuno risponde al telefono.', 'Mi hanno addebitato due volte, voglio un rimborso.', 'Grazie mille per il vostro aiuto veloce!', 'Non riesco ad accedere al mio account da ieri', 'Voglio annullare subito il mio abbonamento', 'Potete inviarmi la fattura del mio ordine?'],
  };

  test.each(Object.keys(sentences))('%s: confident answers are right, and most answers are confident', (language) => {
    const guesses = sentences[language]!.map(detect);
    for (const guess of guesses) expect(guess).toEqual(expect.objectContaining({ source: expect.stringMatching(/^(local|undecided)$/) }));
    const decided = guesses.filter((guess) => guess.source === 'local');
    for (const guess of decided) expect(guess).toEqual({ source: 'local', language });
    expect(decided.length / guesses.length).toBeGreaterThanOrEqual(0.5);
  });

  test('from the threshold on, tinyld decides even when some of the text is not distinctive', () => {
    const text = 'Ich wurde zweimal belastet, bitte erstatten Sie mir das Geld.';
    expect(detectAll(text)[0]!.accuracy).toBeGreaterThanOrEqual(LOCAL_CONFIDENCE);
    expect(detectAll(text)[0]!.accuracy).toBeLessThan(0.6);
    expect(detect(text)).toEqual({ source: 'local', language: 'de' });
  });

  test('mixed or wordless texts score below the threshold, so Comprehend decides', () => {
    for (const text of ['Hola, ¿qué tal? Thanks anyway', 'lol lol lol lol lol lol', 'hello hello hello hello', 'merci thanks gracias danke grazie']) {
      expect(detectAll(text)[0]?.accuracy ?? 0).toBeLessThan(LOCAL_CONFIDENCE);
      expect(detect(text)).toEqual({ source: 'undecided' });
    }
  });

  test('a lower threshold would have taken wrong answers: the margin above them is real', () => {
    expect(detectAll('lol lol lol lol lol lol')[0]).toEqual(expect.objectContaining({ lang: 'vo' }));
    expect(detectAll('Hola, ¿qué tal? Thanks anyway')[0]!.accuracy).toBeGreaterThan(0.3);
  });
});

describe('short texts and texts without letters', () => {
  test(`below ${MIN_DETECTABLE_CHARS} characters with no decisive script → the default language`, () => {
    const nineteen = 'Where is my parcel?';
    expect([...nineteen]).toHaveLength(19);
    expect(detectLanguage(nineteen, 'de')).toEqual({ source: 'default', language: 'de' });
    expect(detectLanguage('Где моя посылка?', 'en')).toEqual({ source: 'default', language: 'en' });
    expect(detect('ok')).toEqual({ source: 'default', language: 'en' });
  });

  test(`from ${MIN_DETECTABLE_CHARS} characters an undecided text goes to Comprehend`, () => {
    expect(detect('lol lol lol lol lol!')).toEqual({ source: 'undecided' });
    expect(detect('Моя посылка опаздывает и никто не отвечает.')).toEqual({ source: 'undecided', likely: 'ru' });
  });

  test('a short text in a decisive script is still decided by its script', () => {
    expect(detect('谢谢')).toEqual({ source: 'script', language: 'zh' });
  });

  test('no letters at all (emoji, numbers) → the default, however long', () => {
    expect(detect('👍👍👍 12345678901234567890 !!!')).toEqual({ source: 'default', language: 'en' });
    expect(detect('')).toEqual({ source: 'default', language: 'en' });
  });
});
