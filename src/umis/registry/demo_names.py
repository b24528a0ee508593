"""Name lists for the synthetic demo population (``umis demo_data``).

Everything here is invented for demonstration: common given names and family names of each
group, written in the script the group's own documents use, with the Latin spellings other
sources produce. No external downloads; the lists are deliberately a few dozen entries each.

Formats (parsed once at import):

* ``_words``: whitespace separated names in one script;
* ``_pairs``: one ``left=right`` per line (e.g. Azerbaijani Latin = Russian Cyrillic);
* ``_variants``: one ``native=Latin1/Latin2/...`` per line; the first Latin spelling is the
  one the group's passports use, the others are what hotels, border systems and the tax
  registry write (``Mohammad/Mohammed/Muhammad``).

Masculine forms only where a language inflects family names by sex; ``umis.registry.demo``
derives the feminine ones (``-ov`` -> ``-ova``, ``-ski`` -> ``-ska``).
"""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    # "_" joins the words of one name ("de_Jong" is "de Jong").
    return tuple(dict.fromkeys(word.replace("_", " ") for word in text.split()))


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    out = []
    for line in text.strip().splitlines():
        left, _, right = line.strip().partition("=")
        out.append((left.strip(), right.strip()))
    return tuple(out)


def _variants(text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    out = []
    for line in text.strip().splitlines():
        native, _, latin = line.strip().partition("=")
        out.append((native.strip(), tuple(v.strip() for v in latin.split("/"))))
    return tuple(out)


# --------------------------------------------------------------------------- Azerbaijani
# Azerbaijani Latin = the Russian Cyrillic form used in Russian, Georgian (Soviet-era) and
# Central Asian documents. The Russian forms are the conventional ones, not letter-by-letter
# transliterations (Məmmədov = Мамедов), which is exactly what the identity matcher meets.

AZ_SURNAMES = _pairs("""
Hüseynov=Гусейнов
Qasımov=Гасымов
Məmmədov=Мамедов
Əliyev=Алиев
Quliyev=Кулиев
Həsənov=Гасанов
Abbasov=Аббасов
Cəfərov=Джафаров
Rzayev=Рзаев
Nəsirov=Насиров
İsmayılov=Исмаилов
Bağırov=Багиров
Vəliyev=Велиев
Orucov=Оруджев
Səfərov=Сафаров
Mustafayev=Мустафаев
Kərimov=Керимов
Şükürov=Шукюров
Nağıyev=Нагиев
Əhmədov=Ахмедов
Qurbanov=Курбанов
Süleymanov=Сулейманов
Zeynalov=Зейналов
Hacıyev=Гаджиев
Abdullayev=Абдуллаев
Allahverdiyev=Аллахвердиев
Babayev=Бабаев
Rüstəmov=Рустамов
Yusifov=Юсифов
Novruzov=Новрузов
Paşayev=Пашаев
Sadıqov=Садыхов
Tağıyev=Тагиев
Xəlilov=Халилов
Mehdiyev=Мехтиев
Məlikov=Меликов
Əsgərov=Аскеров
Qədirov=Кадыров
İbrahimov=Ибрагимов
Musayev=Мусаев
Cavadov=Джавадов
Salmanov=Салманов
Hümbətov=Гумбатов
Heydərov=Гейдаров
Şirinov=Ширинов
Məhərrəmov=Магеррамов
Əzizov=Азизов
Bayramov=Байрамов
Aslanov=Асланов
Nuriyev=Нуриев
""")

AZ_MALE = _pairs("""
Elçin=Эльчин
Rəşad=Рашад
Tural=Турал
Orxan=Орхан
Elnur=Эльнур
Vüqar=Вугар
Kamran=Камран
Ramil=Рамиль
Rövşən=Ровшан
Fərid=Фарид
Cavid=Джавид
Nicat=Ниджат
Murad=Мурад
Əli=Али
Hüseyn=Гусейн
Məhəmməd=Магомед
Anar=Анар
Elvin=Эльвин
Ruslan=Руслан
Samir=Самир
Tofiq=Тофик
Zaur=Заур
Şahin=Шахин
İlqar=Ильгар
Fuad=Фуад
Emin=Эмин
Rauf=Рауф
Vaqif=Вагиф
Rasim=Расим
Azər=Азер
Etibar=Етибар
Nurlan=Нурлан
Kənan=Кенан
Elşən=Эльшан
Ceyhun=Джейхун
Vüsal=Вусал
Həsən=Гасан
Qasım=Гасым
Akif=Акиф
Mübariz=Мубариз
""")

AZ_FEMALE = _pairs("""
Aynur=Айнур
Günel=Гюнель
Leyla=Лейла
Səbinə=Сабина
Nərgiz=Наргиз
Könül=Кёнуль
Aygün=Айгюн
Sevinc=Севиндж
Ülviyyə=Ульвия
Fidan=Фидан
Gülnar=Гюльнар
Lalə=Лала
Nigar=Нигяр
Röya=Роя
Aysel=Айсель
Türkan=Туркан
Zəhra=Захра
Aytən=Айтен
Xədicə=Хадиджа
Şəbnəm=Шабнам
Nərmin=Нармин
Vüsalə=Вусаля
Elnarə=Эльнара
Gülər=Гюлер
Samirə=Самира
Rəna=Рена
Kəmalə=Камала
Məryəm=Марьям
Səadət=Саадат
Zərifə=Зарифа
""")

# --------------------------------------------------------------------------- Russian

RU_SURNAMES = _words("""
Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов
Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев
Макаров Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв
Сергеев Кузьмин Фролов Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов Поляков
Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков Баранов Филиппов Комаров
Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев Титов Марков Миронов Крылов
Куликов Карпов Власов Мельников Денисов Гаврилов Тихонов Казаков Афанасьев Щербаков
Юдин Чайковский Ковальский Шевчук Литвиненко
""")

RU_MALE = _words("""
Александр Алексей Андрей Антон Артём Борис Вадим Валерий Василий Виктор Виталий
Владимир Владислав Вячеслав Геннадий Георгий Денис Дмитрий Евгений Иван Игорь Илья
Кирилл Константин Максим Михаил Никита Николай Олег Павел Пётр Роман Руслан Сергей
Станислав Степан Фёдор Юрий Ярослав Тимур Глеб Матвей Лев
""")

RU_FEMALE = _words("""
Александра Алёна Алина Анастасия Ангелина Анна Валентина Валерия Вера Вероника Виктория
Галина Дарья Диана Екатерина Елена Елизавета Жанна Зоя Ирина Кристина Ксения Лариса
Любовь Людмила Маргарита Марина Мария Надежда Наталья Нина Оксана Ольга Полина Светлана
Софья Татьяна Ульяна Юлия Яна
""")

# Russian patronymic stems that do not follow the regular rule (Павел -> Павлович).
RU_PATRONYMIC_EXCEPTIONS: dict[str, tuple[str, str]] = {
    "Павел": ("Павлович", "Павловна"),
    "Пётр": ("Петрович", "Петровна"),
    "Лев": ("Львович", "Львовна"),
    "Илья": ("Ильич", "Ильинична"),
    "Никита": ("Никитич", "Никитична"),
    "Фома": ("Фомич", "Фоминична"),
}

# Russian-speaking Israelis: the Russian spelling and the Israeli passport spelling, which
# follows the Hebrew form (Rabinovitz, not Rabinovich).
RU_JEWISH_SURNAMES = _pairs("""
Рабинович=Rabinovitz
Каган=Kagan
Фельдман=Feldman
Гольдштейн=Goldshtein
Шапиро=Shapira
Кацнельсон=Katznelson
Левин=Levin
Фридман=Fridman
Гуревич=Gurevitz
Хайкин=Haikin
Зильберман=Zilberman
Айзенберг=Aizenberg
Коган=Kogan
Берштейн=Bershtein
Шварцман=Shvartsman
Лурье=Lurie
Эпштейн=Epshtein
Розенфельд=Rozenfeld
""")

# --------------------------------------------------------------------------- Ukrainian

UK_SURNAMES = _words("""
Шевченко Коваленко Бондаренко Ткаченко Кравченко Олійник Шевчук Поліщук Бойко Ткачук
Мельник Коваль Марченко Лисенко Руденко Савченко Петренко Кузьменко Павленко Мороз
Гончаренко Харченко Литвиненко Клименко Кравчук Романенко Левченко Гриценко Карпенко
Іваненко Яковенко Захарченко Сидоренко Остапенко Кириленко Тимошенко Приходько Гуменюк
Дмитренко Головко Ковальський Вишневський Гнатюк Юрченко Федорчук
""")

UK_MALE = _words("""
Олександр Сергій Андрій Володимир Олег Дмитро Микола Іван Юрій Віталій Василь Богдан
Тарас Максим Ігор Петро Михайло Артем Денис Євген Роман Павло Віктор Ярослав Остап
Григорій Степан Валентин
""")

UK_FEMALE = _words("""
Олена Наталія Тетяна Ірина Оксана Світлана Юлія Марія Ольга Анна Людмила Катерина
Вікторія Галина Надія Валентина Дарина Софія Анастасія Ганна Христина Соломія Леся
Богдана Ярослава
""")

UK_PATRONYMIC_EXCEPTIONS: dict[str, tuple[str, str]] = {
    "Микола": ("Миколайович", "Миколаївна"),
    "Григорій": ("Григорович", "Григорівна"),
}

# --------------------------------------------------------------------------- Central Asia
# Kazakh, Kyrgyz and Turkmen names in the Russian-based Cyrillic their (older) documents
# and the Russian-language registries use; Uzbek and Tajik ones in their own Cyrillic.

KZ_SURNAMES = _words("""
Нурланов Сериков Ахметов Жумабаев Касымов Искаков Омаров Сулейменов Абдрахманов
Байжанов Жаксыбеков Токаев Исмаилов Мухамеджанов Оспанов Кенжебаев Утегенов Ермеков
Садыков Нуржанов Бекмуратов Сагинтаев Есимов Калиев Турсунбаев
""")
KZ_MALE = _words("""
Нурлан Ерлан Асхат Серик Данияр Айдос Бауыржан Ержан Марат Нурсултан Арман Жандос
Кайрат Руслан Тимур Азамат Даулет Ерболат Алибек Мади
""")
KZ_FEMALE = _words("""
Айгерим Динара Асель Гульнара Жанар Айжан Меруерт Салтанат Томирис Аружан Камила Алия
Жансая Динара Мадина Асем Гульмира Айнур
""")

KG_SURNAMES = _words("""
Асанов Токтогулов Мамытов Жумабеков Осмонов Абдылдаев Бакиров Орозбеков Сатыбалдиев
Кадыров Эсенбеков Жээнбеков Мамбетов Токтосунов Алымкулов Турдубаев Исаков Садыров
""")
KG_MALE = _words("""
Азамат Бакыт Нурбек Эрлан Талант Айбек Бектур Улан Медер Эрмек Канат Данияр Чынгыз
Нурлан Алмаз Жоомарт
""")
KG_FEMALE = _words("""
Айпери Жылдыз Гульнара Айжан Нургуль Бегимай Айгуль Чолпон Асель Мээрим Динара Назира
Элиза Бермет
""")

UZ_SURNAMES = _words("""
Каримов Раҳимов Юсупов Алимов Турсунов Исмоилов Қодиров Ғуломов Тошматов Ҳасанов
Усмонов Абдуллаев Мирзаев Рашидов Зокиров Эргашев Норматов Саидов Холматов Жўраев
Нуриддинов Шарипов Хўжаев Султонов
""")
UZ_MALE = _words("""
Алишер Бахтиёр Дилшод Шухрат Азиз Улуғбек Жасур Отабек Санжар Шерзод Фаррух Бобур
Жамшид Рустам Акмал Нодир Анвар Сардор Ислом Тимур
""")
UZ_FEMALE = _words("""
Дилноза Гулнора Мохира Нодира Шахноза Малика Зарина Феруза Нигора Лола Камола Дилфуза
Севара Умида Гулчеҳра Мадина
""")

TJ_SURNAMES = _words("""
Раҳмонов Саидов Шарипов Назаров Каримов Сафаров Давлатов Исмоилов Мирзоев Қурбонов
Ҷӯраев Раҷабов Ҳакимов Одинаев Ёқубов Холов Зиёев Шарифов Абдуллоев Гулов
""")
TJ_MALE = _words("""
Фаррух Далер Сухроб Фирдавс Шаҳриёр Баҳром Фарҳод Меҳрубон Ҷамшед Рустам Умед Сомон
Исмоил Комрон Абдулло Манучеҳр
""")
TJ_FEMALE = _words("""
Мадина Зарина Нилуфар Тахмина Гулноза Фотима Шаҳноза Меҳрангез Сабрина Дилнора Парвина
Нигина Ситора Моҳира
""")

TM_SURNAMES = _words("""
Аманов Бердыев Овезов Чарыев Мурадов Атаев Гурбанов Нурыев Язмурадов Ходжаев Реджепов
Бабаев Аннаев Сапаров Мередов Ораздурдыев Бегенчев Довлетов
""")
TM_MALE = _words("""
Мерген Сердар Батыр Довлет Максат Мекан Берди Аман Гуванч Ровшен Арслан Шатлык Нурмухаммед
Бегенч Бахтияр
""")
TM_FEMALE = _words("""
Огулджан Дженнет Майса Бахар Айна Гульшат Огульгерек Марал Джемиле Сельби Энеджан Айгуль
Лейли Огулнабат
""")

# --------------------------------------------------------------------------- Georgian
# Georgian script; the Latin form is derived with the national romanisation (2002, without
# the apostrophes of ejectives, as passports print it). Family names are not inflected.

GE_SURNAMES = _words("""
ბერიძე კაპანაძე მაისურაძე გელაშვილი ლომიძე ნოზაძე ჯაფარიძე გიორგაძე მამულაშვილი
ბერიშვილი ხარაიშვილი ლაბაძე კვარაცხელია ჩიქოვანი გოგიჩაიშვილი ცხადაძე წერეთელი
მჭედლიშვილი ქავთარაძე დავითაშვილი გაბუნია შენგელია ჯანელიძე ბოლქვაძე ხუციშვილი
ღლონტი ყიფიანი ჟორჟოლიანი გოგოლაძე ნადირაძე მეტრეველი ჩხეიძე ტყეშელაშვილი
""")
GE_MALE = _words("""
გიორგი დავით ნიკა ლევან ირაკლი ზურაბ ლაშა გიგა ალექსანდრე თორნიკე ლუკა მამუკა
ვახტანგ ბექა დიმიტრი ოთარ გოჩა ზვიად შოთა ნოდარ
""")
GE_FEMALE = _words("""
ნინო მარიამ ანა თამარ ეკატერინე ნათია სალომე ქეთევან მაკა ელენე ნანა თეონა ხათუნა
ლიკა ნესტან ეკა მზია ციცინო
""")

# --------------------------------------------------------------------------- Turkish
# Natural Latin with Turkish letters; passports fold them in the MRZ (Ş -> S, Ğ -> G).

TR_SURNAMES = _words("""
Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan Kılıç
Aslan Çetin Kara Koç Kurt Özkan Şimşek Polat Korkmaz Erdoğan Güneş Aksoy Bulut Tekin
Kaplan Karaca Uçar Tunç Akgül Bozkurt Çakır Acar Gündoğdu Ekinci Kalkan
""")
TR_MALE = _words("""
Mehmet Mustafa Ahmet Ali Hüseyin Hasan İbrahim Murat Emre Burak Yusuf Ömer Osman Fatih
Kemal Serkan Onur Cem Barış Uğur Gökhan Tolga Volkan Erkan Selim Oğuz Kadir Halil
Süleyman Çağlar
""")
TR_FEMALE = _words("""
Ayşe Fatma Emine Hatice Zeynep Elif Merve Özge Büşra Gül Esra Derya Sevgi Şeyma Tuğba
Gülşen Dilek Ebru Songül Ayten Melek Nur Yasemin Hülya Çiğdem
""")

# --------------------------------------------------------------------------- Persian
# Persian script = Latin spellings; the first is the usual Iranian passport spelling.

FA_SURNAMES = _variants("""
حسینی=Hosseini/Hoseini/Husseini/Hosseyni
محمدی=Mohammadi/Mohamadi/Muhammadi
رضایی=Rezaei/Rezaee/Rezai
احمدی=Ahmadi/Ahmady
کریمی=Karimi/Karimy
موسوی=Mousavi/Musavi/Moosavi
جعفری=Jafari/Jafary/Jaafari
رحیمی=Rahimi/Rahimy
صادقی=Sadeghi/Sadeqi/Sadeghy
قاسمی=Ghasemi/Qasemi/Ghassemi
نوری=Nouri/Noori/Nuri
حیدری=Heydari/Heidari/Haidari
کاظمی=Kazemi/Kazimi
طاهری=Taheri/Tahery
اکبری=Akbari/Akbary
عباسی=Abbasi/Abasi
تبریزی=Tabrizi/Tabrizy
اردبیلی=Ardabili/Ardebili
زارعی=Zarei/Zareei/Zarei
شریفی=Sharifi/Sharify
هاشمی=Hashemi/Hashemy
نجفی=Najafi/Najafy
باقری=Bagheri/Baqeri/Bagheri
سلیمانی=Soleimani/Soleymani/Sulaimani
فرهادی=Farhadi/Farhady
""")
FA_MALE = _variants("""
محمد=Mohammad/Mohammed/Muhammad/Mohamad
حسین=Hossein/Hosein/Hussein/Hosain
علی=Ali/Aly
رضا=Reza/Rezza
مهدی=Mehdi/Mahdi
امیر=Amir/Ameer
حسن=Hassan/Hasan
سعید=Saeed/Said/Saeid
مجید=Majid/Majeed
جواد=Javad/Jawad
مصطفی=Mostafa/Mustafa/Moustafa
ابراهیم=Ebrahim/Ibrahim
یوسف=Yousef/Yusef/Yousof
بهرام=Bahram/Bahraam
داریوش=Dariush/Daryoush/Darius
کامران=Kamran/Kamraan
فرهاد=Farhad/Farhaad
مرتضی=Morteza/Murtaza
امید=Omid/Omeed
""")
FA_FEMALE = _variants("""
فاطمه=Fatemeh/Fatima/Fatemah
زهرا=Zahra/Zahraa
مریم=Maryam/Mariam
سارا=Sara/Sarah
نرگس=Narges/Narges
لیلا=Leila/Leyla/Layla
مینا=Mina/Meena
شیرین=Shirin/Shireen
الهام=Elham/Elhaam
نازنین=Nazanin/Nazaneen
پریسا=Parisa/Parissa
سمیرا=Samira/Sameera
نیلوفر=Niloufar/Niloofar/Nilufar
""")

# Afghan (Dari) names, Persian script.
AF_SURNAMES = _variants("""
احمدزی=Ahmadzai/Ahmadzay
پوپل=Popal/Popalzai
رحیمی=Rahimi/Rahimy
کریمی=Karimi/Karimy
حکیمی=Hakimi/Hakeemi
نوری=Noori/Nouri
استانکزی=Stanekzai/Stanikzai
صافی=Safi/Saafi
وردک=Wardak/Wardag
امیری=Amiri/Amiry
سلطانی=Sultani/Soltani
قادری=Qaderi/Ghaderi
حیدری=Haidari/Heydari
""")
AF_MALE = _variants("""
محمد=Mohammad/Muhammad/Mohammed
احمد=Ahmad/Ahmed
عبدالله=Abdullah/Abdulla/Abdollah
نجیب=Najib/Najeeb
فرید=Farid/Fareed
حمید=Hamid/Hameed
ذبیح‌الله=Zabihullah/Zabiullah
رحمت‌الله=Rahmatullah/Rahmatulla
حبیب‌الله=Habibullah/Habibulla
مصطفی=Mustafa/Mostafa
""")
AF_FEMALE = _variants("""
زهرا=Zahra/Zahraa
فاطمه=Fatima/Fatema
مریم=Maryam/Mariam
شبنم=Shabnam/Shabnum
فرزانه=Farzana/Farzaneh
مرسل=Mursal/Mursel
پروانه=Parwana/Parvaneh
""")

# --------------------------------------------------------------------------- Arabic

AR_SURNAMES = _variants("""
الحسيني=Al-Husseini/Alhusseini/Al Husseini/El-Husseini
العلي=Al-Ali/Alali/Al Ali
حسن=Hassan/Hasan
الخطيب=Al-Khatib/Alkhatib/El-Khatib
الأحمد=Al-Ahmad/Alahmad
عبد الرحمن=Abdel Rahman/Abdelrahman/Abdulrahman/Abd Al-Rahman
السيد=El-Sayed/Elsayed/Al-Sayed
إبراهيم=Ibrahim/Ebrahim
منصور=Mansour/Mansur
سليمان=Suleiman/Sulaiman/Soliman
الشامي=Al-Shami/Alshami/El-Shami
النجار=Al-Najjar/Elnaggar/Al Najjar
المصري=Al-Masri/El Masry/Almasri
جابر=Jaber/Jabir
حداد=Haddad/Hadad
خليل=Khalil/Khaleel
القاسم=Al-Qasim/Alkasim/Al-Kasem
الجبوري=Al-Jubouri/Aljuboori/Al-Jaburi
التميمي=Al-Tamimi/Altamimi
الدليمي=Al-Dulaimi/Aldulaimi/Al-Dulaymi
عثمان=Osman/Othman/Uthman
""")
AR_MALE = _variants("""
محمد=Mohammed/Muhammad/Mohamed/Mohammad
أحمد=Ahmed/Ahmad
علي=Ali/Aly
عمر=Omar/Umar
خالد=Khaled/Khalid
يوسف=Youssef/Yousef/Yusuf
محمود=Mahmoud/Mahmud
حسين=Hussein/Husain/Hussain
إبراهيم=Ibrahim/Ebrahim
عبد الله=Abdullah/Abdallah/Abdulla
مصطفى=Mostafa/Mustafa
كريم=Karim/Kareem
طارق=Tarek/Tariq/Tareq
سامي=Sami/Samy
""")
AR_FEMALE = _variants("""
فاطمة=Fatima/Fatma/Fatimah
مريم=Mariam/Maryam
نور=Nour/Noor
سارة=Sara/Sarah
زينب=Zainab/Zeinab/Zaynab
آية=Aya/Ayah
هدى=Huda/Hoda
ليلى=Layla/Leila/Laila
رانيا=Rania/Ranya
دينا=Dina/Deena
ياسمين=Yasmin/Yasmine/Jasmin
""")

# --------------------------------------------------------------------------- South Asia

UR_SURNAMES = _variants("""
خان=Khan
احمد=Ahmed/Ahmad
علی=Ali
حسین=Hussain/Hussein/Husain
ملک=Malik
اقبال=Iqbal/Ikbal
بٹ=Butt/Bhatt
چوہدری=Chaudhry/Chaudhary/Choudhry
شاہ=Shah
قریشی=Qureshi/Kureshi
رضا=Raza/Rza
اختر=Akhtar/Akhter
جاوید=Javed/Javaid
اسلم=Aslam
""")
UR_MALE = _variants("""
محمد=Muhammad/Mohammad/Mohammed
عمران=Imran
بلال=Bilal
عثمان=Usman/Osman/Uthman
آصف=Asif/Aasif
فیصل=Faisal/Faysal
کامران=Kamran
زبیر=Zubair/Zubayr
وقاص=Waqas/Waqqas
حمزہ=Hamza/Hamzah
""")
UR_FEMALE = _variants("""
عائشہ=Ayesha/Aisha/Aysha
فاطمہ=Fatima/Fatimah
ثنا=Sana/Sanaa
حنا=Hina/Heena
سعدیہ=Sadia/Saadia
آمنہ=Amna/Aamna
ماہ نور=Mahnoor/Mahnur
رابعہ=Rabia/Rabiya
""")

HI_SURNAMES = _variants("""
शर्मा=Sharma
सिंह=Singh
कुमार=Kumar
पटेल=Patel
गुप्ता=Gupta
वर्मा=Verma/Varma
यादव=Yadav/Yadava
रेड्डी=Reddy/Reddi
नायर=Nair
जोशी=Joshi
मेहता=Mehta
राव=Rao
दास=Das
""")
HI_MALE = _variants("""
राहुल=Rahul
अमित=Amit
विजय=Vijay/Vijai
सुरेश=Suresh
राजेश=Rajesh
अर्जुन=Arjun
संजय=Sanjay/Sanjai
प्रकाश=Prakash
अनिल=Anil
रवि=Ravi
""")
HI_FEMALE = _variants("""
प्रिया=Priya
अंजलि=Anjali
पूजा=Pooja/Puja
नेहा=Neha
सुनीता=Sunita/Suneeta
कविता=Kavita/Kavitha
दीपिका=Deepika/Dipika
लक्ष्मी=Lakshmi/Laxmi
""")

NE_SURNAMES = _variants("""
श्रेष्ठ=Shrestha/Shresta
थापा=Thapa
गुरुङ=Gurung
तामाङ=Tamang
राई=Rai
मगर=Magar
अधिकारी=Adhikari
पौडेल=Poudel/Paudel/Poudyal
भट्टराई=Bhattarai
लामा=Lama
खड्का=Khadka
""")
NE_MALE = _variants("""
राम=Ram
बिकास=Bikash/Bikas/Vikash
सुमन=Suman
दीपक=Dipak/Deepak
सन्तोष=Santosh
निरज=Niraj/Neeraj
हरि=Hari
कृष्ण=Krishna/Krisna
""")
NE_FEMALE = _variants("""
सीता=Sita/Seeta
गीता=Gita/Geeta
सुनिता=Sunita
मनिषा=Manisha
सरिता=Sarita
अनिता=Anita
""")

BN_SURNAMES = _variants("""
হোসেন=Hossain/Hussain/Hossen
রহমান=Rahman/Rahaman
আহমেদ=Ahmed/Ahmad
ইসলাম=Islam
উদ্দিন=Uddin/Uddeen
আলম=Alam
খান=Khan
মিয়া=Mia/Miah/Miya
চৌধুরী=Chowdhury/Choudhury/Chowdhuri
সরকার=Sarkar/Sarker
""")
BN_MALE = _variants("""
মোহাম্মদ=Mohammad/Md/Muhammad
আবদুল=Abdul
রফিক=Rafiq/Rafik
করিম=Karim
জাহিদ=Zahid/Jahid
শফিক=Shafiq/Shafik
রাশেদ=Rashed/Rashid
তানভীর=Tanvir/Tanveer
সাকিব=Sakib/Shakib
""")
BN_FEMALE = _variants("""
ফাতেমা=Fatema/Fatima
নাসরিন=Nasrin/Nasreen
শারমিন=Sharmin/Sharmeen
রুমানা=Rumana/Rumana
তাসলিমা=Taslima/Tasleema
আয়েশা=Ayesha/Aysha
""")

# --------------------------------------------------------------------------- Chinese
# Hanzi = pinyin. Given names are one or two syllables; passports write them joined
# (XIUYING), with the family name first in the native order.

ZH_SURNAMES = _pairs("""
王=Wang
李=Li
张=Zhang
刘=Liu
陈=Chen
杨=Yang
黄=Huang
赵=Zhao
吴=Wu
周=Zhou
徐=Xu
孙=Sun
马=Ma
朱=Zhu
胡=Hu
郭=Guo
何=He
高=Gao
林=Lin
罗=Luo
郑=Zheng
梁=Liang
""")
ZH_GIVEN_MALE = _pairs("""
伟=Wei
强=Qiang
磊=Lei
军=Jun
洋=Yang
勇=Yong
杰=Jie
涛=Tao
明=Ming
超=Chao
华=Hua
平=Ping
建国=Jianguo
志强=Zhiqiang
海=Hai
鹏=Peng
浩=Hao
宇=Yu
俊杰=Junjie
文博=Wenbo
""")
ZH_GIVEN_FEMALE = _pairs("""
芳=Fang
娜=Na
敏=Min
静=Jing
丽=Li
艳=Yan
娟=Juan
秀英=Xiuying
晓=Xiao
婷=Ting
雪=Xue
琳=Lin
欣=Xin
玉兰=Yulan
桂英=Guiying
美玲=Meiling
""")

# --------------------------------------------------------------------------- Hebrew

HE_SURNAMES = _variants("""
כהן=Cohen/Kohen/Coen
לוי=Levi/Levy
מזרחי=Mizrahi/Mizrachi
פרץ=Peretz/Perez
ביטון=Biton/Bitton
דהן=Dahan
אברהם=Avraham/Abraham
פרידמן=Fridman/Friedman
שפירא=Shapira/Shapiro
גולדברג=Goldberg
""")
HE_MALE = _variants("""
דוד=David/Dawid
יוסף=Yosef/Joseph/Yossef
משה=Moshe/Moshe
אבי=Avi
יעקב=Yaakov/Jacob/Yakov
אליהו=Eliyahu/Eliahu
איתי=Itai/Itay
נועם=Noam
""")
HE_FEMALE = _variants("""
שרה=Sara/Sarah
רחל=Rachel/Rahel
מיכל=Michal/Mikhal
נועה=Noa/Noah
תמר=Tamar
יעל=Yael/Jael
""")

# --------------------------------------------------------------------------- Europe, US, others
# Natural Latin with the language's letters; the MRZ is produced by ICAO transliteration
# (Germany writes Ü as UE).

DE_SURNAMES = _words("""
Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch
Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann
Lange Weiß Jäger Köhler
""")
DE_MALE = _words("""
Thomas Michael Andreas Stefan Jürgen Peter Klaus Lukas Jonas Felix Matthias Tobias Jörg
Florian Maximilian Sebastian
""")
DE_FEMALE = _words("""
Anna Maria Sabine Julia Katharina Laura Ursula Monika Lena Sophie Jana Petra Claudia
Jülide Sarah Lea
""")

EN_SURNAMES = _words("""
Smith Johnson Williams Brown Jones Miller Davis Wilson Taylor Anderson Thomas Moore Martin
White Clark Lewis Walker Hall Young King Wright Scott Green Baker Adams Campbell O'Brien
""")
EN_MALE = _words("""
James John Robert Michael William David Daniel Matthew Christopher Andrew Joseph Thomas
Richard Paul Mark Steven
""")
EN_FEMALE = _words("""
Mary Jennifer Sarah Emily Jessica Elizabeth Emma Olivia Linda Susan Karen Rachel Laura
Hannah Amy Rebecca
""")

FR_SURNAMES = _words("""
Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Lefèvre Girard
Mercier Fontaine Rousseau Lambert Bonnet François
""")
FR_MALE = _words("""
Jean Pierre Nicolas François Julien Antoine Mathieu Sébastien Olivier Guillaume Jérôme
""")
FR_FEMALE = _words("""
Marie Camille Chloé Élodie Sophie Isabelle Céline Nathalie Amélie Hélène Léa
""")

IT_SURNAMES = _words("""
Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti
De_Luca Costa Fontana
""")
IT_MALE = _words("""
Marco Luca Giuseppe Francesco Alessandro Andrea Matteo Lorenzo Davide Stefano Nicola
""")
IT_FEMALE = _words("""
Giulia Francesca Chiara Sara Valentina Alessia Martina Elena Federica Silvia
""")

# Polish family names ending in -ski/-cki are inflected (-ska/-cka).
PL_SURNAMES = _words("""
Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański
Woźniak Dąbrowski Kozłowski Jankowski Mazur Krawczyk Piotrowski Grabowski Nowakowski
""")
PL_MALE = _words("""
Piotr Krzysztof Andrzej Tomasz Paweł Michał Marcin Jakub Łukasz Grzegorz Wojciech
""")
PL_FEMALE = _words("""
Anna Katarzyna Małgorzata Agnieszka Magdalena Joanna Ewa Barbara Zofia Aleksandra
""")

NL_SURNAMES = _words("""
de_Jong Jansen de_Vries van_den_Berg Bakker Visser Smit Meijer de_Boer Mulder de_Groot
Bos Vos Peters Hendriks van_Dijk
""")
NL_MALE = _words("""
Jan Pieter Daan Sem Lars Thijs Bram Ruben Joost Willem
""")
NL_FEMALE = _words("""
Emma Sanne Lotte Anouk Fleur Femke Iris Lieke Maud Noor
""")

RO_SURNAMES = _words("""
Popescu Rusu Ceban Ciobanu Lungu Munteanu Țurcanu Cojocaru Rotaru Sârbu Moraru Bălan
Căldare Guțu
""")
RO_MALE = _words("""
Ion Vasile Andrei Mihai Alexandru Sergiu Victor Dumitru Nicolae Ștefan
""")
RO_FEMALE = _words("""
Maria Elena Ana Natalia Cristina Olga Tatiana Ecaterina Mariana Doina
""")

KO_SURNAMES = _words("Kim Lee Park Choi Jung Kang Cho Yoon Jang Lim Han Oh Seo Shin")
KO_MALE = _words("""
Min-jun Seo-jun Ji-hoon Hyun-woo Jae-won Dong-hyun Sung-min Joon-ho Tae-yang
""")
KO_FEMALE = _words("""
Seo-yeon Ji-woo Min-seo Ha-eun Soo-ah Ji-min Yu-na Eun-ji Hye-jin
""")

TL_SURNAMES = _words("""
Santos Reyes Cruz Bautista Garcia Mendoza Ramos Aquino Villanueva Dela_Cruz Gonzales
Castillo Flores Torres
""")
TL_MALE = _words("Jose Juan Mark John Paulo Rodel Jerome Ronald Carlo Jericho")
TL_FEMALE = _words("Maria Ana Kristine Jocelyn Marites Rowena Angelica Princess Joy Mary_Ann")

# --------------------------------------------------------------------------- places
# Birth places as the passports of each country write them (Latin).

BIRTH_PLACES: dict[str, tuple[str, ...]] = {
    "AZE": _words("Bakı Gəncə Sumqayıt Şəki Lənkəran Mingəçevir Naxçıvan Quba Şamaxı Qazax"),
    "RUS": (
        "Moskva",
        "Sankt-Peterburg",
        "Derbent",
        "Makhachkala",
        "Kazan",
        "Novosibirsk",
        "Yekaterinburg",
        "Rostov-na-Donu",
        "Krasnodar",
        "Samara",
        "Volgograd",
        "Astrakhan",
        "Saratov",
        "Nizhniy Novgorod",
        "Perm",
        "Khasavyurt",
        "Stavropol",
    ),
    "TUR": _words("İstanbul Ankara İzmir Kars Iğdır Erzurum Trabzon Bursa Antalya Konya Adana"),
    "GEO": _words("Tbilisi Marneuli Rustavi Gardabani Bolnisi Kutaisi Batumi Telavi Lagodekhi"),
    "IRN": _words("Tabriz Tehran Ardabil Urmia Zanjan Mashhad Isfahan Shiraz Qazvin Astara"),
    "UKR": ("Kyiv", "Kharkiv", "Odesa", "Dnipro", "Lviv", "Zaporizhzhia", "Mykolaiv", "Poltava"),
    "UZB": _words("Toshkent Samarqand Buxoro Andijon Namangan Farg'ona Qarshi Nukus"),
    "KAZ": _words("Almaty Astana Shymkent Aktau Atyrau Karaganda Taraz Aktobe"),
    "KGZ": _words("Bishkek Osh Jalal-Abad Karakol Tokmok Naryn"),
    "TJK": _words("Dushanbe Khujand Kulob Bokhtar Istaravshan"),
    "TKM": _words("Ashgabat Turkmenabat Dashoguz Mary Balkanabat"),
    "CHN": _words("Beijing Shanghai Guangzhou Chengdu Wuhan Xi'an Urumqi Shenzhen Harbin"),
    "IND": ("New Delhi", "Mumbai", "Kolkata", "Chennai", "Hyderabad", "Jaipur", "Lucknow"),
    "PAK": _words("Lahore Karachi Islamabad Faisalabad Rawalpindi Multan Peshawar Sialkot"),
    "BGD": _words("Dhaka Chittagong Sylhet Khulna Rajshahi Comilla"),
    "NPL": _words("Kathmandu Pokhara Lalitpur Biratnagar Bharatpur Butwal"),
    "IRQ": _words("Baghdad Basra Mosul Erbil Kirkuk Najaf Karbala"),
    "SYR": _words("Damascus Aleppo Homs Latakia Hama"),
    "EGY": ("Cairo", "Alexandria", "Giza", "Port Said", "Mansoura", "Tanta"),
    "JOR": _words("Amman Zarqa Irbid Aqaba"),
    "AFG": ("Kabul", "Herat", "Mazar-i-Sharif", "Kandahar", "Jalalabad"),
    "DEU": ("Berlin", "Hamburg", "München", "Köln", "Frankfurt am Main", "Stuttgart"),
    "GBR": _words("London Manchester Birmingham Glasgow Liverpool Leeds Edinburgh"),
    "USA": ("New York", "Los Angeles", "Chicago", "Houston", "Boston", "Seattle"),
    "FRA": _words("Paris Marseille Lyon Toulouse Nice Nantes Strasbourg"),
    "ITA": _words("Roma Milano Napoli Torino Palermo Genova Bologna"),
    "POL": _words("Warszawa Kraków Łódź Wrocław Poznań Gdańsk"),
    "NLD": _words("Amsterdam Rotterdam Utrecht Eindhoven Groningen"),
    "ISR": ("Tel Aviv", "Jerusalem", "Haifa", "Ashdod", "Beersheba", "Netanya"),
    "BLR": _words("Minsk Gomel Mogilev Vitebsk Grodno Brest"),
    "MDA": _words("Chișinău Bălți Cahul Orhei Ungheni"),
    "KOR": _words("Seoul Busan Incheon Daegu Daejeon Gwangju"),
    "PHL": ("Manila", "Quezon City", "Cebu City", "Davao City", "Iloilo City"),
    "ARM": _words("Yerevan Gyumri Vanadzor"),
}

# --------------------------------------------------------------------------- addresses

AZ_STREETS = (
    "Nizami küç.",
    "Füzuli küç.",
    "Azadlıq pr.",
    "Neftçilər pr.",
    "Həsən bəy Zərdabi küç.",
    "Üzeyir Hacıbəyov küç.",
    "Rəşid Behbudov küç.",
    "Səməd Vurğun küç.",
    "Bakıxanov küç.",
    "Cəfər Cabbarlı küç.",
    "Xaqani küç.",
    "İstiqlaliyyət küç.",
    "Atatürk pr.",
    "Heydər Əliyev pr.",
    "Zərifə Əliyeva küç.",
    "Mirzə Fətəli Axundov küç.",
    "Tbilisi pr.",
    "Babək pr.",
    "Qara Qarayev pr.",
    "Ziya Bünyadov pr.",
    "Şərifzadə küç.",
    "Süleyman Rəhimov küç.",
    "Məmməd Əmin Rəsulzadə küç.",
    "Hüseyn Cavid pr.",
    "Bülbül pr.",
    "Əhməd Cavad küç.",
    "Dilarə Əliyeva küç.",
    "Koroğlu Rəhimov küç.",
    "Yusif Səfərov küç.",
    "Mehdi Hüseyn küç.",
    "Nəriman Nərimanov pr.",
    "Matbuat pr.",
    "Şəhriyar küç.",
    "Xətai pr.",
    "Qəhrəmanlar küç.",
    "Sabit Rəhman küç.",
    "Aşıq Ələsgər küç.",
    "Fətəli xan Xoyski pr.",
    "Bəsti Bağırova küç.",
    "Əliağa Vahid küç.",
    "Hüsü Hacıyev küç.",
    "Zahid Xəlilov küç.",
    "Mikayıl Müşfiq küç.",
    "Cavadxan küç.",
    "Şah İsmayıl Xətai küç.",
)

# --------------------------------------------------------------------------- organisations

HOTEL_WORDS = (
    "Qafqaz",
    "Xəzər",
    "Şirvan",
    "Nizami",
    "Old City",
    "Caspian",
    "Abşeron",
    "Gəncə",
    "Qəbələ",
    "Şahdağ",
    "Sahil",
    "Günəş",
    "Bulvar",
    "Flame",
    "İçərişəhər",
    "Karvansaray",
    "Novruz",
    "Naxçıvan",
    "Dalğa",
    "Lənkəran",
    "Şəki Saray",
    "Qala",
)
HOTEL_KINDS = ("Hotel", "Otel", "Hostel", "Boutique Hotel", "Residence", "Inn", "Palace")
COMPANY_WORDS = (
    "Xəzər",
    "Azər",
    "Bakı",
    "Günəş",
    "Qafqaz",
    "Şərq",
    "Kür",
    "Araz",
    "Səhənd",
    "Göy",
    "Ulduz",
    "İnam",
    "Vətən",
    "Yeni",
    "Dəniz",
    "Ağ",
    "Qızıl",
    "Mərkəz",
    "Silk Way",
    "Anadolu",
)
COMPANY_TRADES = (
    "Tikinti",
    "Ticarət",
    "Logistika",
    "Aqro",
    "Neft Servis",
    "İnşaat",
    "Texnologiya",
    "Tekstil",
    "Qida",
    "Turizm",
    "Enerji",
    "Mebel",
    "Nəqliyyat",
    "Xidmət",
    "Construction",
    "Engineering",
    "Trading",
)
COMPANY_FORMS = ("MMC", "MMC", "MMC", "QSC", "ASC")
